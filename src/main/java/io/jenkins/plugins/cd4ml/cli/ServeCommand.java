package io.jenkins.plugins.cd4ml.cli;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.OperationStoppedException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.docker.DockerClients;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.image.LocalImages;
import io.jenkins.plugins.cd4ml.serve.LocalModelServer;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cd4ml serve}: runs the model server on this machine until Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve the model locally: run its serving image in a container with host networking (by "
                + "default the newest image built for the promoted model), or with --no-container run the bundled server "
                + "with the system Python. Streams the server's log; Ctrl-C stops and removes the container.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the server was stopped with Ctrl-C (or exited cleanly)", "1:the server failed",
            "2:bad usage or configuration"})
final class ServeCommand implements Callable<Integer>, HasCommonOptions {

    @Mixin
    CommonOptions common;

    @Option(names = {"-m", "--model"}, paramLabel = "MODEL",
            description = "With --no-container: the model (a model.tar.gz, a file: or s3:// URI, or a version). "
                    + "Default: the promoted model (LATEST under train.output).")
    String model;

    @Option(names = "--image", paramLabel = "IMAGE",
            description = "The image to run. Default: the newest image built for the promoted model.")
    String image;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080",
            description = "Port to listen on (host networking). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--no-container",
            description = "Run the server directly with /usr/bin/python3 (or CD4ML_PYTHON), without Docker.")
    boolean noContainer;

    @Override
    public CommonOptions common() {
        return common;
    }

    @Override
    public Integer call() {
        if (port < 1 || port > 65_535) {
            throw Cd4mlException.badInput("--port " + port + " is not a port", "use 1 to 65535");
        }
        if (noContainer && image != null) {
            throw Cd4mlException.badInput("--image and --no-container exclude each other",
                    "drop --image to serve without a container");
        }
        if (!noContainer && model != null) {
            throw Cd4mlException.badInput("--model applies with --no-container only",
                    "choose the image with --image, or add --no-container");
        }
        ProjectConfig config = common.loader().load();
        Console console = common.console();
        EngineContext context = common.context();
        LocalModelServer server;
        if (noContainer) {
            server = LocalModelServer.inProcess(config, Optional.ofNullable(model), context);
        } else {
            if (!DockerClients.isAvailable(context.clients().docker())) {
                throw Cd4mlException.badInput("no Docker daemon answers at " + DockerClients.host(context.environment()),
                        "start Docker (or set DOCKER_HOST), or serve without it: --no-container");
            }
            String chosen = image != null ? image : LocalImages.forPromotedModel(config, context);
            server = LocalModelServer.inContainer(config, chosen, context);
        }
        try {
            server.withPort(port).run();
        } catch (OperationStoppedException e) {
            console.error("stopped " + e.getMessage().replaceFirst("^stopped: ", ""));
        }
        return 0;
    }
}
