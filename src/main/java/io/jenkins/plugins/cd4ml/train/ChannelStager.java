package io.jenkins.plugins.cd4ml.train;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.model.ContentDigest;
import io.jenkins.plugins.cd4ml.model.ModelManifest;
import io.jenkins.plugins.cd4ml.storage.S3Location;
import io.jenkins.plugins.cd4ml.storage.S3Transfers;
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
import java.util.function.Supplier;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Puts each input channel's data into the run's {@code input/data/<channel>/} and records its
 * content hash. Project files are hard-linked where the file system allows (no copy of large data
 * sets), else copied; {@code http(s)://} data is downloaded.
 */
final class ChannelStager {

    private final Path projectDir;
    private final Supplier<S3Transfers> s3;
    private final HttpClient http;

    ChannelStager(Path projectDir, Supplier<S3Transfers> s3) {
        this.projectDir = projectDir;
        this.s3 = s3;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(30)).build();
    }

    ModelManifest.DataInput stage(String channel, String uri, Path target) throws IOException, InterruptedException {
        Files.createDirectories(target);
        if (uri.startsWith("s3://")) {
            try {
                s3.get().download(S3Location.parse(uri), target);
            } catch (Cd4mlException e) {
                throw new Cd4mlException("channel '" + channel + "': " + e.getMessage(), e.suggestion().orElse(null),
                        e.isUserError(), e);
            }
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

    /**
     * Describes a channel that a remote backend reads itself, without downloading it: for S3 the
     * hash covers object keys and ETags, for other URIs it is empty.
     */
    ModelManifest.DataInput describeRemote(String channel, String uri) {
        if (!uri.startsWith("s3://")) {
            return new ModelManifest.DataInput(channel, uri, "");
        }
        StringBuilder listing = new StringBuilder();
        for (S3Object object : s3.get().list(S3Location.parse(uri))) {
            listing.append(object.key()).append('\0').append(object.eTag()).append('\n');
        }
        return new ModelManifest.DataInput(channel, uri, ContentDigest.sha256(listing.toString()));
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
