package io.hvx.storage.store;

import io.hvx.storage.image.Converter;
import io.hvx.storage.raw.RawImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The S3 backend in one run: push and pull of a disk image through hvx's store on S3Mock (an S3-protocol
 * server in this JVM) vs the same on a local directory, and vs {@code aws s3 cp} of the raw file to and from
 * the same server (the AWS CLI, when installed). Pull means what {@code hvx image pull} does: the Converter
 * copies the stored image into a new raw file (several workers, each read spanning many chunks).
 * Lives beside S3Server (package-private) in the test sources; it is a program, not a test.
 *
 * <p>Run: java -cp ... io.hvx.storage.store.S3Benchmark IMAGE.raw WORKDIR
 */
public final class S3Benchmark {
    private S3Benchmark() {}

    public static void main(String[] args) throws Exception {
        Path image = Path.of(args[0]);
        Path work = Path.of(args[1]);
        Files.createDirectories(work);
        long size = Files.size(image);
        System.out.printf(Locale.ROOT, "image %s, %d MiB%n", image, size >> 20);
        int threads = Runtime.getRuntime().availableProcessors();
        try (S3Server server = new S3Server(work.resolve("s3mock"))) {
            S3Client client = server.client();
            createBucket(client, "hvx");
            createBucket(client, "peer");
            ImageStore dir = new ImageStore(new LocalBackend(work.resolve("dir-store")), 64 << 10, Duration.ofMinutes(10),
                    threads);
            // The reference default of hvx.storage.store.s3.max-concurrency.
            int requests = 16;
            ImageStore s3 = new ImageStore(new S3Backend(server.client(), "hvx", "store/"), 64 << 10,
                    Duration.ofMinutes(10), threads, requests);
            System.out.printf(Locale.ROOT, "%d threads hash and compress; S3 requests in flight: %d%n", threads, requests);
            double dirPush = push(dir, image);
            double s3Push = push(s3, image);
            double dirPull = pull(dir, work.resolve("dir-pulled.raw"), image);
            double s3Pull = pull(s3, work.resolve("s3-pulled.raw"), image);
            // The same pull with one GET in flight, as before max-concurrency: what the requests in flight buy.
            ImageStore s3Serial = new ImageStore(new S3Backend(server.client(), "hvx", "store/"), 64 << 10,
                    Duration.ofMinutes(10), threads, 1);
            double s3SerialPull = pull(s3Serial, work.resolve("s3-pulled-serial.raw"), image);
            System.out.printf(Locale.ROOT, "hvx push: directory %.2f s, S3 %.2f s (S3/directory %.2f)%n", dirPush, s3Push,
                    s3Push / dirPush);
            System.out.printf(Locale.ROOT, "hvx pull: directory %.2f s, S3 %.2f s (S3/directory %.2f)%n", dirPull, s3Pull,
                    s3Pull / dirPull);
            System.out.printf(Locale.ROOT, "hvx pull from S3: 1 request in flight %.2f s, %d in flight %.2f s (%.2f times faster)%n",
                    s3SerialPull, requests, s3Pull, s3SerialPull / s3Pull);
            if (!onPath("aws")) {
                System.out.println("aws s3 cp: not installed, peer skipped");
                return;
            }
            // S3Mock refuses the CRC32 part checksums newer AWS CLIs send by default (CompleteMultipartUpload
            // fails), so ask for checksums only where S3 requires them.
            Map<String, String> env = new java.util.HashMap<>(Map.of("AWS_ACCESS_KEY_ID", "test",
                    "AWS_SECRET_ACCESS_KEY", "test", "AWS_DEFAULT_REGION", "us-east-1",
                    "AWS_REQUEST_CHECKSUM_CALCULATION", "when_required", "AWS_RESPONSE_CHECKSUM_VALIDATION", "when_required"));
            double awsUp;
            try {
                awsUp = awsCopy(env, server, image.toString(), "s3://peer/disk.raw");
            } catch (IOException e) {
                // If the server still refuses the multipart upload, the CLI's fallback is one PutObject.
                System.out.println("aws s3 cp multipart upload failed (" + e.getMessage().strip()
                        + "); again with multipart_threshold = 4GB");
                Path config = work.resolve("aws-config");
                Files.writeString(config, "[default]\ns3 =\n  multipart_threshold = 4GB\n");
                env.put("AWS_CONFIG_FILE", config.toString());
                awsUp = awsCopy(env, server, image.toString(), "s3://peer/disk.raw");
            }
            double awsDown = awsCopy(env, server, "s3://peer/disk.raw", work.resolve("aws-pulled.raw").toString());
            if (Files.mismatch(image, work.resolve("aws-pulled.raw")) != -1) {
                throw new IOException("aws s3 cp brought back different bytes");
            }
            System.out.printf(Locale.ROOT, "upload to S3: aws s3 cp %.2f s, hvx push %.2f s (aws/hvx %.2f)%n", awsUp, s3Push,
                    awsUp / s3Push);
            System.out.printf(Locale.ROOT, "download from S3: aws s3 cp %.2f s, hvx pull %.2f s (aws/hvx %.2f)%n", awsDown,
                    s3Pull, awsDown / s3Pull);
            client.close();
        }
    }

    private static double push(ImageStore store, Path image) throws IOException {
        long t0 = System.nanoTime();
        PushResult r;
        try (RawImage src = RawImage.open(image, true)) {
            r = store.push(src, "bench", PushListener.NONE);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "  push to %s: %.2f s, %d MiB stored, zero %.1f%%, duplicate %.1f%%%n",
                store.backend().describe(), s, r.bytesStored() >> 20, r.zeroRatio() * 100, r.duplicateRatio() * 100);
        return s;
    }

    /** As `hvx image pull NAME FILE` does: the Converter copies the image into a new raw file. */
    private static double pull(ImageStore store, Path target, Path original) throws IOException {
        Files.deleteIfExists(target);
        long t0 = System.nanoTime();
        try (StoreImage image = store.open("bench"); RawImage dst = RawImage.create(target, image.size())) {
            new Converter().copy(image, dst, done -> { });
        }
        double s = (System.nanoTime() - t0) / 1e9;
        if (Files.mismatch(original, target) != -1) {
            throw new IOException(target + " differs from the pushed image");
        }
        return s;
    }

    /** A retried create (after a timeout) finds the bucket made by the first attempt. */
    private static void createBucket(S3Client client, String bucket) {
        try {
            client.createBucket(b -> b.bucket(bucket));
        } catch (software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException e) {
            System.out.println("bucket " + bucket + " was created by an attempt that timed out");
        }
    }

    private static double awsCopy(Map<String, String> env, S3Server server, String from, String to) throws Exception {
        long t0 = System.nanoTime();
        run(env, "aws", "--endpoint-url", server.endpoint(), "s3", "cp", "--only-show-errors", from, to);
        return (System.nanoTime() - t0) / 1e9;
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    private static void run(Map<String, String> env, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(List.of(command)).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
    }
}
