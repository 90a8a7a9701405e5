package io.jenkins.plugins.cd4ml.train.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.TrainConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How long the pod's URLs live, and what fits into the Secret. */
class TransferPlanTest {

    @Test
    void urlsLiveForTheTimeoutPlusAnHour() {
        assertThat(TransferPlan.validityFor(Duration.ofHours(2))).isEqualTo(Duration.ofHours(3));
    }

    @Test
    void urlsLiveAtMostSevenDays() {
        assertThat(TransferPlan.validityFor(Duration.ofDays(7).minusMinutes(15))).isEqualTo(Duration.ofDays(7));
    }

    @Test
    void aTimeoutThatLeavesLessThanFifteenMinutesForUploadsIsRefused() {
        assertThatThrownBy(() -> TransferPlan.validityFor(Duration.ofDays(7).minusMinutes(14)))
                .isInstanceOf(Cd4mlException.class)
                .hasMessageContaining("train.timeout (167h46m) is too long for the kubernetes backend")
                .hasMessageContaining("at most 7 days (Signature V4)")
                .satisfies(e -> {
                    assertThat(((Cd4mlException) e).isUserError()).isTrue();
                    assertThat(((Cd4mlException) e).suggestion()).get().asString()
                            .startsWith("set train.timeout to at most 167h45m");
                });
    }

    @Test
    void theLimitThatValidateChecksIsTheOneTheBackendEnforces() {
        Duration longest = TrainConfig.Backend.KUBERNETES.longestTimeout().orElseThrow();

        assertThat(TransferPlan.validityFor(longest)).isEqualTo(Duration.ofDays(7));
        assertThatThrownBy(() -> TransferPlan.validityFor(longest.plusSeconds(1))).isInstanceOf(Cd4mlException.class);
    }

    @Test
    void tooManyChannelFilesForASecretAreRefusedWithAWayOut() {
        List<TransferPlan.ChannelFile> files = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            files.add(new TransferPlan.ChannelFile("shard-" + i + ".csv", "https://data.s3.eu-west-1.amazonaws.com/"
                    + "x/shard-" + i + ".csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=" + "f".repeat(400)));
        }
        TransferPlan plan = new TransferPlan("s", Map.of("train", files), "m", "o");

        assertThatThrownBy(plan::checkSize)
                .isInstanceOf(Cd4mlException.class)
                .hasMessageStartingWith("the channels hold 2000 files")
                .satisfies(e -> assertThat(((Cd4mlException) e).suggestion()).get().asString()
                        .contains("fewer, larger files"));
    }

    @Test
    void anHttpChannelKeepsTheLastSegmentOfItsPathAsFileName() {
        assertThat(TransferPlan.httpFileName("https://example.com/files/iris.csv?version=2")).isEqualTo("iris.csv");
        assertThat(TransferPlan.httpFileName("https://example.com/")).isEqualTo("data");
        assertThat(TransferPlan.httpFileName("https://example.com")).isEqualTo("data");
    }
}
