package io.hvx.storage.store;

import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Objects in a bucket of any S3-protocol store (AWS, MinIO, Ceph RGW). A single PutObject is atomic in
 * S3, so manifests need no rename: readers see the old or the new object.
 */
public final class S3Backend implements ObjectBackend {
    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final int pageSize;

    public S3Backend(S3Client s3, String bucket, String prefix) {
        this(s3, bucket, prefix, 1000);
    }

    /** pageSize is the most keys one list request asks for (S3's own maximum is 1000). */
    S3Backend(S3Client s3, String bucket, String prefix, int pageSize) {
        this.pageSize = pageSize;
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
    }

    /** Builds a client for the settings; empty keys mean the SDK's default credential chain. */
    public static S3Backend open(StoreSettings.S3 settings) {
        AwsCredentialsProvider credentials = settings.accessKey().isEmpty()
                ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKey(), settings.secretKey()));
        var builder = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(settings.pathStyle());
        if (!settings.endpoint().isEmpty()) {
            builder.endpointOverride(URI.create(settings.endpoint()));
        }
        return new S3Backend(builder.build(), settings.bucket(), settings.prefix());
    }

    @Override
    public void put(String key, byte[] data) throws IOException {
        call(() -> s3.putObject(b -> b.bucket(bucket).key(prefix + key), RequestBody.fromBytes(data)), key);
    }

    @Override
    public byte[] get(String key) throws IOException {
        try {
            return s3.getObjectAsBytes(b -> b.bucket(bucket).key(prefix + key)).asByteArray();
        } catch (NoSuchKeyException e) {
            return null;
        } catch (SdkException e) {
            throw failure(key, e);
        }
    }

    @Override
    public boolean exists(String key) throws IOException {
        try {
            s3.headObject(HeadObjectRequest.builder().bucket(bucket).key(prefix + key).build());
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw failure(key, e);
        } catch (SdkException e) {
            throw failure(key, e);
        }
    }

    @Override
    public List<StoredObject> list(String keyPrefix) throws IOException {
        List<StoredObject> out = new ArrayList<>();
        String token = null;
        try {
            do {
                ListObjectsV2Request.Builder req = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix + keyPrefix)
                        .maxKeys(pageSize);
                if (token != null) {
                    req.continuationToken(token);
                }
                ListObjectsV2Response page = s3.listObjectsV2(req.build());
                for (S3Object o : page.contents()) {
                    out.add(new StoredObject(o.key().substring(prefix.length()), o.size(), o.lastModified()));
                }
                token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
            } while (token != null);
        } catch (SdkException e) {
            throw failure(keyPrefix + "*", e);
        }
        return out;
    }

    @Override
    public void delete(String key) throws IOException {
        call(() -> s3.deleteObject(b -> b.bucket(bucket).key(prefix + key)), key);
    }

    @Override
    public int sweepIncomplete(Instant before) {
        return 0;
    }

    @Override
    public String describe() {
        return "s3://" + bucket + "/" + prefix;
    }

    @Override
    public void close() {
        s3.close();
    }

    private void call(Runnable action, String key) throws StoreException {
        try {
            action.run();
        } catch (SdkException e) {
            throw failure(key, e);
        }
    }

    private StoreException failure(String key, SdkException e) {
        return new StoreException("object store " + describe() + " failed on '" + key + "': " + e.getMessage(), e);
    }
}
