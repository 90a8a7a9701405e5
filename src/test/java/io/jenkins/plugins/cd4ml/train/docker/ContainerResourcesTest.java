package io.jenkins.plugins.cd4ml.train.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.model.DeviceRequest;
import com.github.dockerjava.api.model.HostConfig;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.TrainConfig;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Kubernetes quantities as Docker limits. */
class ContainerResourcesTest {

    @Nested
    class Memory {

        @ParameterizedTest(name = "{0} = {1} bytes")
        @CsvSource({
            "512Mi, 536870912",
            "2Gi, 2147483648",
            "1.5Gi, 1610612736",
            "123Ki, 125952",
            "1Ti, 1099511627776",
            "1G, 1000000000",
            "500M, 500000000",
            "128k, 128000",
            "5e8, 500000000",
            "129e6, 129000000",
            "1048576, 1048576",
            "100.5M, 100500000",
        })
        void readsBinaryDecimalAndExponentQuantities(String quantity, long bytes) {
            assertThat(ContainerResources.memoryBytes(quantity)).isEqualTo(bytes);
        }

        @Test
        void roundsFractionalBytesUp() {
            assertThat(ContainerResources.memoryBytes("0.5Ki")).isEqualTo(512);
            assertThat(ContainerResources.memoryBytes("1.0000001Ki")).isEqualTo(1025);
        }

        @ParameterizedTest
        @ValueSource(strings = {"lots", "2GB", "-1Gi", "0", "Gi"})
        void rejectsWhatIsNotAPositiveQuantity(String quantity) {
            assertThatThrownBy(() -> ContainerResources.memoryBytes(quantity))
                    .isInstanceOf(Cd4mlException.class)
                    .hasMessage("train.resources.memory '" + quantity + "' is not a usable Kubernetes quantity for "
                            + "a Docker limit");
        }

        @Test
        void rejectsLimitsBelowDockersMinimum() {
            assertThatThrownBy(() -> ContainerResources.of(resources(null, "4Mi", 0)))
                    .isInstanceOf(Cd4mlException.class)
                    .hasMessage("train.resources.memory 4Mi is below Docker's minimum memory limit of 6Mi");
        }
    }

    @Nested
    class Cpu {

        @ParameterizedTest(name = "{0} = {1} nano CPUs")
        @CsvSource({
            "1, 1000000000",
            "2, 2000000000",
            "0.5, 500000000",
            "1.5, 1500000000",
            "250m, 250000000",
            "1m, 1000000",
            "1500m, 1500000000",
        })
        void readsCoresAndMillicores(String quantity, long nanos) {
            assertThat(ContainerResources.nanoCpus(quantity)).isEqualTo(nanos);
        }

        @Test
        void rejectsZero() {
            assertThatThrownBy(() -> ContainerResources.nanoCpus("0m"))
                    .hasMessage("train.resources.cpu '0m' is not a usable Kubernetes quantity for a Docker limit");
        }

        @Test
        void reportsWholeCpusToTheScriptAtLeastOneAndAtMostTheHosts() {
            assertThat(ContainerResources.of(resources("250m", null, 0)).cpuCount(8)).isEqualTo(1);
            assertThat(ContainerResources.of(resources("1.5", null, 0)).cpuCount(8)).isEqualTo(2);
            assertThat(ContainerResources.of(resources("16", null, 0)).cpuCount(8)).isEqualTo(8);
            assertThat(ContainerResources.of(resources(null, null, 0)).cpuCount(8)).isEqualTo(8);
        }
    }

    @Nested
    class OnTheContainer {

        @Test
        void setsCpuMemoryWithoutExtraSwapAndGpus() {
            HostConfig host = ContainerResources.of(resources("500m", "2Gi", 2)).applyTo(HostConfig.newHostConfig());

            assertThat(host.getNanoCPUs()).isEqualTo(500_000_000L);
            assertThat(host.getMemory()).isEqualTo(2L << 30);
            assertThat(host.getMemorySwap()).isEqualTo(2L << 30);
            assertThat(host.getDeviceRequests()).singleElement().satisfies((DeviceRequest d) -> {
                assertThat(d.getCount()).isEqualTo(2);
                assertThat(d.getCapabilities()).isEqualTo(List.of(List.of("gpu")));
            });
        }

        @Test
        void setsNothingWithoutResources() {
            HostConfig host = ContainerResources.of(resources(null, null, 0)).applyTo(HostConfig.newHostConfig());

            assertThat(host.getNanoCPUs()).isNull();
            assertThat(host.getMemory()).isNull();
            assertThat(host.getDeviceRequests()).isNull();
        }
    }

    private static TrainConfig.Resources resources(String cpu, String memory, int gpu) {
        return new TrainConfig.Resources(Optional.ofNullable(cpu), Optional.ofNullable(memory), gpu);
    }
}
