package io.jenkins.plugins.cd4ml.train.docker;

import com.github.dockerjava.api.model.DeviceRequest;
import com.github.dockerjava.api.model.HostConfig;
import io.fabric8.kubernetes.api.model.Quantity;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.TrainConfig;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Optional;

/**
 * {@code train.resources} as Docker limits: CPU quantities become {@code NanoCpus}, memory
 * quantities bytes (with no extra swap, so a script that needs more is killed as on Kubernetes),
 * and GPUs a device request for the daemon's GPU runtime.
 *
 * @param nanoCpus the CPU limit in billionths of a CPU, if any
 * @param memoryBytes the memory limit in bytes, if any
 * @param memory the memory limit as configured, for messages
 * @param gpus how many GPUs to request
 */
record ContainerResources(Optional<Long> nanoCpus, Optional<Long> memoryBytes, Optional<String> memory, int gpus) {

    /** Docker refuses smaller memory limits. */
    static final long MIN_MEMORY_BYTES = 6L * 1024 * 1024;

    private static final BigDecimal NANOS = BigDecimal.valueOf(1_000_000_000L);

    /**
     * Reads the configured resources.
     *
     * @throws Cd4mlException if a quantity cannot be a Docker limit
     */
    static ContainerResources of(TrainConfig.Resources resources) {
        Optional<Long> nanoCpus = resources.cpu().map(ContainerResources::nanoCpus);
        Optional<Long> memoryBytes = resources.memory().map(ContainerResources::memoryBytes);
        if (memoryBytes.isPresent() && memoryBytes.get() < MIN_MEMORY_BYTES) {
            throw Cd4mlException.badInput("train.resources.memory " + resources.memory().get()
                    + " is below Docker's minimum memory limit of 6Mi", "set train.resources.memory to 6Mi or more "
                    + "(a Python training script needs at least 64Mi)");
        }
        return new ContainerResources(nanoCpus, memoryBytes, resources.memory(), resources.gpu());
    }

    /** A CPU quantity ({@code 1}, {@code 0.5}, {@code 250m}) in billionths of a CPU, rounded up. */
    static long nanoCpus(String quantity) {
        BigDecimal cpus = amount(quantity, "cpu", "1, 0.5 or 250m");
        if (cpus.signum() <= 0) {
            throw invalid(quantity, "cpu", "1, 0.5 or 250m");
        }
        return cpus.multiply(NANOS).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    /**
     * A Kubernetes memory quantity in bytes, rounded up: binary suffixes ({@code 512Mi} =
     * 512 × 2<sup>20</sup>), decimal ones ({@code 1G} = 10<sup>9</sup>), exponents ({@code 5e8}) or
     * plain bytes.
     */
    static long memoryBytes(String quantity) {
        BigDecimal bytes = amount(quantity, "memory", "512Mi, 2Gi or 1G");
        if (bytes.signum() <= 0) {
            throw invalid(quantity, "memory", "512Mi, 2Gi or 1G");
        }
        return bytes.setScale(0, RoundingMode.CEILING).longValueExact();
    }

    /** How many CPUs the script may use, as {@code SM_NUM_CPUS} reports it; the host's count if unlimited. */
    int cpuCount(int hostCpus) {
        long nanosPerCpu = NANOS.longValue();
        return nanoCpus.map(n -> (int) Math.max(1, Math.min(hostCpus, (n + nanosPerCpu - 1) / nanosPerCpu)))
                .orElse(hostCpus);
    }

    /** Sets the limits on a container's host configuration. */
    HostConfig applyTo(HostConfig host) {
        nanoCpus.ifPresent(host::withNanoCPUs);
        memoryBytes.ifPresent(bytes -> host.withMemory(bytes).withMemorySwap(bytes));
        if (gpus > 0) {
            host.withDeviceRequests(List.of(new DeviceRequest().withCount(gpus)
                    .withCapabilities(List.of(List.of("gpu")))));
        }
        return host;
    }

    private static BigDecimal amount(String quantity, String key, String examples) {
        try {
            return Quantity.getAmountInBytes(Quantity.parse(quantity.strip()));
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw invalid(quantity, key, examples);
        }
    }

    private static Cd4mlException invalid(String quantity, String key, String examples) {
        return Cd4mlException.badInput("train.resources." + key + " '" + quantity + "' is not a usable Kubernetes "
                + "quantity for a Docker limit", "use a positive quantity such as " + examples);
    }
}
