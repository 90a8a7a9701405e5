package io.jenkins.plugins.cd4ml.train;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.model.ContentDigest;
import io.jenkins.plugins.cd4ml.model.ModelManifest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

/**
 * Puts each input channel's data into the run's {@code input/data/<channel>/} and records its
 * content hash. Project files are hard-linked where the file system allows (no copy of large data
 * sets), else copied; {@code http(s)://} data is downloaded.
 */
final class ChannelStager {

    private final Path projectDir;
    private final HttpClient http;

    ChannelStager(Path projectDir) {
        this.projectDir = projectDir;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(30)).build();
    }

    ModelManifest.DataInput stage(String channel, String uri, Path target) throws IOException, InterruptedException {
        Files.createDirectories(target);
        if (uri.startsWith("s3://")) {
            throw Cd4mlException.badInput("channel '" + channel + "' reads " + uri + ", but this version of cd4ml "
                    + "cannot read S3 channels yet", "copy the data into the project and use its path, or use an "
                    + "http(s):// URL");
        } else if (uri.startsWith("http://") || uri.startsWith("https://")) {
            download(channel, URI.create(uri), target);
        } else {
            Path source = projectDir.resolve(uri).normalize();
            if (Files.isDirectory(source)) {
                for (Path file : ContentDigest.regularFiles(source)) {
                    place(file, target.resolve(source.relativize(file).toString()));
                }
            } else {
                place(source, target.resolve(source.getFileName().toString()));
            }
        }
        return new ModelManifest.DataInput(channel, uri, ContentDigest.sha256(target));
    }

    private static void place(Path source, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        try {
            Files.createLink(target, source);
        } catch (FileSystemException | UnsupportedOperationException e) {
            Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private void download(String channel, URI uri, Path target) throws IOException, InterruptedException {
        String name = Path.of(uri.getPath().isEmpty() ? "/data" : uri.getPath()).getFileName().toString();
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(uri).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            if (response.statusCode() / 100 != 2) {
                throw Cd4mlException.workFailed("channel '" + channel + "': " + uri + " answered HTTP "
                        + response.statusCode(), "check that the URL is reachable from this machine", null);
            }
            Files.copy(body, target.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
