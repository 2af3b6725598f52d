package io.hvx.storage.store;

import com.adobe.testing.s3mock.S3MockApplication;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** Adobe S3Mock, a real S3-protocol HTTP server, started in this JVM on a free loopback port. */
final class S3Server implements AutoCloseable {
    private final S3MockApplication app;
    private final String endpoint;

    S3Server(Path root) {
        app = S3MockApplication.start(new java.util.HashMap<>(Map.of(
                S3MockApplication.PROP_HTTP_PORT, S3MockApplication.RANDOM_PORT,
                S3MockApplication.PROP_HTTPS_PORT, S3MockApplication.RANDOM_PORT,
                "server.address", "127.0.0.1",
                "vectors.http.port", 0,
                "vectors.https.port", 0,
                "com.adobe.testing.s3mock.store.root", root.toString(),
                S3MockApplication.PROP_SILENT, true)));
        endpoint = "http://127.0.0.1:" + app.getHttpPort();
    }

    String endpoint() {
        return endpoint;
    }

    S3Client client() {
        return S3Client.builder()
                // Generous: on a loaded 2-core machine S3Mock may take tens of seconds to answer.
                .httpClientBuilder(UrlConnectionHttpClient.builder().socketTimeout(java.time.Duration.ofMinutes(5)))
                .endpointOverride(URI.create(endpoint))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .forcePathStyle(true)
                .build();
    }

    @Override
    public void close() {
        app.stop();
    }
}
