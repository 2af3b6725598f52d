package io.hvx.storage.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hvx.storage.cli.ImageCommand;
import io.hvx.storage.testing.Images;
import io.hvx.storage.testing.Qemu;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every written format and variant converted by hvx into every other: the guest bytes never change. */
class AllFormatsRoundTripTest {
    /** A variant: its name in test output, qemu-img's format name and the -o options hvx writes it with. */
    record Variant(String name, String format, String options) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final List<Variant> VARIANTS = List.of(
            new Variant("raw", "raw", ""),
            new Variant("qcow2", "qcow2", "cluster_size=4096"),
            new Variant("qcow2-zstd", "qcow2", "compression_type=zstd"),
            new Variant("qcow2-extended-l2", "qcow2", "extended_l2=on"),
            new Variant("vmdk-monolithicSparse", "vmdk", "subformat=monolithicSparse"),
            new Variant("vmdk-streamOptimized", "vmdk", "subformat=streamOptimized"),
            new Variant("vmdk-monolithicFlat", "vmdk", "subformat=monolithicFlat"),
            new Variant("vmdk-twoGbMaxExtentSparse", "vmdk", "subformat=twoGbMaxExtentSparse"),
            new Variant("vhd-dynamic", "vpc", "subformat=dynamic"),
            new Variant("vhd-fixed", "vpc", "subformat=fixed"),
            new Variant("vdi-dynamic", "vdi", "static=off"),
            new Variant("vdi-fixed", "vdi", "static=on"),
            new Variant("vhdx-dynamic", "vhdx", "subformat=dynamic"),
            new Variant("vhdx-fixed", "vhdx", "subformat=fixed"));

    @TempDir
    static Path shared;
    static Path raw;
    static byte[] expected;

    @BeforeAll
    static void sample() throws Exception {
        Qemu.require();
        raw = shared.resolve("sample.raw");
        // 2040 sectors are exactly 30 cylinders x 4 heads x 17 sectors, so a VHD keeps the size unchanged.
        Qemu.img("create", "-f", "raw", raw.toString(), "1020k");
        Qemu.io(raw, "raw", "write -P 0x5a 0 70k", "write -P 0xa5 300k 3", "write -z 512k 64k",
                "write -P 0x77 700k 200k");
        expected = Files.readAllBytes(raw);
        for (Variant v : VARIANTS) {
            Path dir = Files.createDirectories(shared.resolve(v.name()));
            FIRST.put(v, convert(raw, "raw", v, dir, "a"));
        }
    }

    private static final java.util.Map<Variant, Path> FIRST = new java.util.HashMap<>();

    static Stream<Arguments> pairs() {
        List<Arguments> list = new ArrayList<>();
        for (Variant a : VARIANTS) {
            for (Variant b : VARIANTS) {
                list.add(Arguments.of(a, b));
            }
        }
        return list.stream();
    }

    private static Path convert(Path src, String srcFormat, Variant to, Path dir, String name) {
        Path out = dir.resolve(name + "." + to.format());
        // Like qemu-img, hvx probes a fixed VHD as raw: name the input format.
        List<String> args = new ArrayList<>(List.of("convert", "-f", srcFormat, "-O", to.format()));
        if (!to.options().isEmpty()) {
            args.addAll(List.of("-o", to.options()));
        }
        args.addAll(List.of(src.toString(), out.toString()));
        assertEquals(0, ImageCommand.execute(args.toArray(String[]::new)), "hvx image " + args);
        return out;
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("pairs")
    void conversion_between_every_pair_of_formats_is_lossless(Variant from, Variant to, @TempDir Path dir)
            throws Exception {
        Path b = convert(FIRST.get(from), from.format(), to, dir, "b");
        Qemu.Result cmp = Qemu.run("qemu-img", "compare", "-f", "raw", "-F", to.format(), raw.toString(),
                b.toString());
        assertEquals(0, cmp.exitCode(), cmp.output());
        byte[] back = Images.readAll(b, to.format());
        assertArrayEquals(expected, Arrays.copyOf(back, expected.length));
        assertEquals(expected.length, back.length, "virtual size changed");
    }
}
