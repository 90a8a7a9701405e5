package io.jenkins.plugins.cd4ml.train.kubernetes;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.storage.S3Location;
import io.jenkins.plugins.cd4ml.storage.S3Presigning;
import io.jenkins.plugins.cd4ml.storage.S3Transfers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * What the pod of one run transfers, before anything is signed: the project source, every
 * channel file and the two result archives. The channels are listed once; the objects are signed
 * into a {@link TransferPlan} at the start and again for every renewal, because a URL signed with
 * temporary credentials dies with them (a pod may wait for a GPU node longer than a role session
 * lasts).
 *
 * @param run the run's prefix, holding {@code source.tar.gz} and receiving the results
 * @param channels per channel, the files to place in {@code /opt/ml/input/data/<channel>/}
 */
record TransferObjects(S3Location run, Map<String, List<ChannelObject>> channels) {

    /**
     * A file of a channel: its path below the channel directory, and its {@code s3://} object
     * (signed for the pod) or {@code http(s)://} URL (passed as it is).
     */
    record ChannelObject(String path, String uri) {

        String url(Duration validity, S3Presigning presigning) {
            return uri.startsWith("s3://") ? presigning.get(S3Location.parse(uri), validity).toString() : uri;
        }
    }

    /**
     * Lists the channels of one run.
     *
     * @param channels the configured channels, by name ({@code s3://} or {@code http(s)://})
     * @throws Cd4mlException if an {@code s3://} channel holds nothing
     */
    static TransferObjects list(Map<String, String> channels, S3Location run, S3Transfers transfers) {
        Map<String, List<ChannelObject>> files = new LinkedHashMap<>();
        for (Map.Entry<String, String> channel : channels.entrySet()) {
            files.put(channel.getKey(), channelObjects(channel.getKey(), channel.getValue(), transfers));
        }
        return new TransferObjects(run, files);
    }

    /**
     * Signs every URL the pod needs, valid for {@code validity}.
     *
     * @throws Cd4mlException if the plan would not fit into a Secret
     */
    TransferPlan sign(Duration validity, S3Presigning presigning) {
        Map<String, List<TransferPlan.ChannelFile>> files = new LinkedHashMap<>();
        channels.forEach((name, objects) -> files.put(name, objects.stream()
                .map(o -> new TransferPlan.ChannelFile(o.path(), o.url(validity, presigning))).toList()));
        TransferPlan plan = new TransferPlan(
                presigning.get(run.child(TrainingJobSpec.SOURCE_ARCHIVE), validity).toString(),
                files,
                presigning.put(run.child(TrainingJobSpec.MODEL_ARCHIVE), validity).toString(),
                presigning.put(run.child(TrainingJobSpec.OUTPUT_ARCHIVE), validity).toString());
        plan.checkSize();
        return plan;
    }

    private static List<ChannelObject> channelObjects(String channel, String uri, S3Transfers transfers) {
        if (!uri.startsWith("s3://")) {
            return List.of(new ChannelObject(TransferPlan.httpFileName(uri), uri));
        }
        S3Location location = S3Location.parse(uri);
        List<S3Object> objects = transfers.list(location);
        if (objects.isEmpty()) {
            throw Cd4mlException.workFailed("channel '" + channel + "': nothing found at " + uri,
                    "check the bucket and key, and that your AWS credentials can list it (aws s3 ls " + uri + ")",
                    null);
        }
        List<ChannelObject> out = new ArrayList<>();
        for (S3Object object : objects) {
            // the same layout S3Transfers.download gives local backends
            String relative = object.key().equals(location.key())
                    ? object.key().substring(object.key().lastIndexOf('/') + 1)
                    : object.key().substring(location.prefix().length());
            out.add(new ChannelObject(relative, new S3Location(location.bucket(), object.key()).toString()));
        }
        return out;
    }
}
