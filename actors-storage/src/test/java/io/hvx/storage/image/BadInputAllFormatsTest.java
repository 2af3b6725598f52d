package io.hvx.storage.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.storage.cli.ImageCommand;
import io.hvx.storage.testing.Qemu;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Truncated files, corrupt magic and absurd size fields in every format: hvx answers with exit 1 and one line naming
 * the problem, or converts what is there; it never hangs, never leaves a partial output and never writes its input.
 */
class BadInputAllFormatsTest {
    @TempDir
    Path dir;

    /** format, qemu-img -o options, offset of a 64-bit size field, its byte order ("le"/"be"). */
    static Stream<Arguments> damage() {
        String[][] formats = {
            {"qcow2", "cluster_size=4096", "24", "be"},
            {"vmdk", "subformat=monolithicSparse", "12", "le"},
            {"vmdk", "subformat=streamOptimized", "-1", "le"},
            {"vpc", "subformat=dynamic", "48", "be"},
            {"vdi", "static=off", "368", "le"},
            {"vhdx", "block_size=1M", "-1", "le"},
        };
        List<Arguments> list = new ArrayList<>();
        for (String[] f : formats) {
            for (String how : new String[] {"truncate-0", "truncate-100", "truncate-half", "truncate-minus-1k",
                    "magic", "absurd-size"}) {
                list.add(Arguments.of(f[0], f[1], Long.parseLong(f[2]), f[3], how));
            }
        }
        return list.stream();
    }

    @ParameterizedTest(name = "{0} {1} {4}")
    @MethodSource("damage")
    void damaged_image_gives_exit_1_and_one_line_or_converts_and_never_writes_its_input(String format, String opts,
            long sizeField, String order, String how) throws Exception {
        Qemu.require();
        Path raw = dir.resolve("s.raw");
        Qemu.img("create", "-f", "raw", raw.toString(), "3M");
        Qemu.io(raw, "raw", "write -P 0x11 0 300k", "write -P 0x22 2M 64k");
        Path img = dir.resolve("bad." + format);
        Qemu.img("convert", "-O", format, "-o", opts, raw.toString(), img.toString());
        long len = Files.size(img);
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            switch (how) {
                case "truncate-0" -> f.setLength(0);
                case "truncate-100" -> f.setLength(100);
                case "truncate-half" -> f.setLength(len / 2);
                case "truncate-minus-1k" -> f.setLength(len - 1024);
                case "magic" -> {
                    f.seek(0);
                    f.writeInt(0x12345678);
                }
                case "absurd-size" -> {
                    if (sizeField < 0) {
                        f.seek(len - 1024);
                        f.write(new byte[512]);
                    } else {
                        f.seek(sizeField);
                        f.writeLong(order.equals("le") ? Long.reverseBytes(1L << 62) : 1L << 62);
                    }
                }
                default -> throw new IllegalArgumentException(how);
            }
        }
        byte[] before = Files.readAllBytes(img);
        Path out = dir.resolve("out.raw");
        Run info = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> run("info", "-f", format, img.toString()));
        Run conv = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> run("convert", "-f", format, "-O", "raw", img.toString(), out.toString()));
        for (Run r : List.of(info, conv)) {
            assertTrue(r.code() == 0 || r.code() == 1, r.text());
            if (r.code() == 1) {
                assertTrue(r.text().startsWith("hvx image: "), r.text());
                assertEquals(1, r.text().strip().lines().count(), "one line: " + r.text());
                assertFalse(r.text().contains("Exception"), r.text());
            }
        }
        assertEquals(conv.code() == 0, Files.exists(out), "an output exists only after success");
        try (var s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".part")), "partial output left");
        }
        assertArrayEquals(before, Files.readAllBytes(img), "the input was written");
    }

    record Run(int code, String text) {}

    private static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = ImageCommand.execute(args);
            return new Run(code, code == 0 ? out.toString(StandardCharsets.UTF_8) : err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
