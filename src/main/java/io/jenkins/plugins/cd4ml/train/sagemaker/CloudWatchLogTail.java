package io.jenkins.plugins.cd4ml.train.sagemaker;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.train.TrainingBackend;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.DescribeLogStreamsResponse;
import software.amazon.awssdk.services.cloudwatchlogs.model.GetLogEventsResponse;
import software.amazon.awssdk.services.cloudwatchlogs.model.LogStream;
import software.amazon.awssdk.services.cloudwatchlogs.model.OutputLogEvent;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceNotFoundException;

/**
 * Follows a training job's log in CloudWatch Logs: group {@value #LOG_GROUP}, one stream per
 * instance named {@code <job>/algo-<n>-<epoch>}, each read from its head with
 * {@code nextForwardToken}. Each poll emits the lines written since the previous one as
 * {@link Event.LogLine}s; with several instances each line names its host.
 *
 * <p>The log is a view, not the job: if it cannot be read (no {@code logs:} permissions), the
 * job is still followed by its status, with one warning.
 */
final class CloudWatchLogTail {

    static final String LOG_GROUP = "/aws/sagemaker/TrainingJobs";

    /** Pages read from one stream per poll, so a chatty stream cannot starve the status poll. */
    private static final int PAGES_PER_POLL = 20;
    private static final int FAILURES_BEFORE_GIVING_UP = 5;

    private final CloudWatchLogsClient logs;
    private final AwsErrors errors;
    private final EventSink events;
    private final String jobName;
    /** Stream name → token to continue from (null: from the head). */
    private final Map<String, String> tokens = new TreeMap<>();
    private int failures;
    private boolean givenUp;

    CloudWatchLogTail(CloudWatchLogsClient logs, AwsErrors errors, EventSink events, String jobName) {
        this.logs = logs;
        this.errors = errors;
        this.events = events;
        this.jobName = jobName;
    }

    /** Where the log lives, for people. */
    String location() {
        return "CloudWatch Logs " + LOG_GROUP + ", streams " + jobName + "/* (" + errors.region() + ")";
    }

    /**
     * Emits the lines written since the last poll.
     *
     * @param multipleHosts whether to name the host on each line
     * @return how many lines were emitted
     */
    int poll(boolean multipleHosts) throws InterruptedException {
        if (givenUp) {
            return 0;
        }
        try {
            discoverStreams();
            int lines = 0;
            for (String stream : tokens.keySet()) {
                lines += read(stream, multipleHosts);
            }
            failures = 0;
            return lines;
        } catch (Cd4mlException e) {
            failures++;
            givenUp = failures >= FAILURES_BEFORE_GIVING_UP || AwsErrors.isAccessDenied(e.getCause());
            if (failures == 1 || givenUp) {
                events.warn("cannot read the training log from CloudWatch: " + e.getMessage()
                        + (givenUp ? "; following the job by its status only" : "; trying again"));
            }
            return 0;
        }
    }

    private void discoverStreams() throws InterruptedException {
        String next = null;
        do {
            String token = next;
            DescribeLogStreamsResponse page = errors.call("logs:DescribeLogStreams", jobName, () -> {
                try {
                    return logs.describeLogStreams(b -> b.logGroupName(LOG_GROUP)
                            .logStreamNamePrefix(jobName + "/").nextToken(token));
                } catch (ResourceNotFoundException e) {
                    // the group appears with the account's first training log; until then there is nothing
                    return DescribeLogStreamsResponse.builder().build();
                }
            });
            for (LogStream stream : page.logStreams()) {
                tokens.putIfAbsent(stream.logStreamName(), null);
            }
            next = page.nextToken();
        } while (next != null);
    }

    private int read(String stream, boolean multipleHosts) throws InterruptedException {
        String token = tokens.get(stream);
        String prefix = multipleHosts ? "[" + host(stream) + "] " : "";
        int lines = 0;
        for (int page = 0; page < PAGES_PER_POLL; page++) {
            String from = token;
            GetLogEventsResponse events = errors.call("logs:GetLogEvents", jobName, () -> logs.getLogEvents(b -> b
                    .logGroupName(LOG_GROUP).logStreamName(stream).startFromHead(true).nextToken(from)));
            for (OutputLogEvent event : events.events()) {
                for (String line : event.message().split("\r?\n")) {
                    this.events.accept(new Event.LogLine(TrainingBackend.LOG_SOURCE, prefix + line));
                    lines++;
                }
            }
            String next = events.nextForwardToken();
            boolean end = next == null || next.equals(from);
            token = next == null ? from : next;
            if (end) {
                break;
            }
        }
        tokens.put(stream, token);
        return lines;
    }

    /** {@code algo-2} from {@code <job>/algo-2-1700000000}. */
    static String host(String stream) {
        String name = stream.substring(stream.indexOf('/') + 1);
        return name.replaceFirst("-[0-9]+$", "");
    }
}
