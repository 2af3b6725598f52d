package io.hvx.cpu.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.cpu.cli.RunElfCommand;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Programs built by hand here, so these run without any package: loading, syscalls, faults as signals. */
class RunElfBadInputTest {
    @TempDir
    Path dir;

    /** A minimal static ELF: one RX segment at 0x400000 holding {@code code}, entry at its first byte. */
    static byte[] elf(byte[] code) {
        ByteBuffer b = ByteBuffer.allocate(120 + code.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7F, 'E', 'L', 'F', 2, 1, 1, 0}).putLong(0);
        b.putShort((short) 2).putShort((short) 62).putInt(1).putLong(0x400078).putLong(64).putLong(0);
        b.putInt(0).putShort((short) 64).putShort((short) 56).putShort((short) 1).putShort((short) 64)
                .putShort((short) 0).putShort((short) 0);
        b.putInt(1).putInt(5).putLong(0).putLong(0x400000).putLong(0x400000)
                .putLong(120 + code.length).putLong(120 + code.length).putLong(0x1000);
        b.put(code);
        return b.array();
    }

    private static byte[] b(int... v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (byte) v[i];
        }
        return out;
    }

    private static int run(byte[] image, ByteArrayOutputStream out, ByteArrayOutputStream diag) {
        try (LinuxProcess p = new LinuxProcess(ElfImage.parse(image), List.of("prog"), List.of(),
                new Stdio(new ByteArrayInputStream(new byte[0]), out, new ByteArrayOutputStream()),
                new PrintStream(diag, true))) {
            return p.run();
        }
    }

    @Test
    void a_hand_built_program_writes_and_exits_with_its_status() {
        // write(1, msg, 3); exit_group(42); msg: "hi\n"
        byte[] code = b(
                0xB8, 1, 0, 0, 0,                    // mov eax,1
                0xBF, 1, 0, 0, 0,                    // mov edi,1
                0x48, 0x8D, 0x35, 0x13, 0, 0, 0,     // lea rsi,[rip+19]
                0xBA, 3, 0, 0, 0,                    // mov edx,3
                0x0F, 0x05,                          // syscall
                0xB8, 231, 0, 0, 0,                  // mov eax,231
                0xBF, 42, 0, 0, 0,                   // mov edi,42
                0x0F, 0x05,                          // syscall
                'h', 'i', '\n');
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(42, run(elf(code), out, new ByteArrayOutputStream()));
        assertEquals("hi\n", out.toString());
    }

    @Test
    void an_undefined_opcode_kills_the_guest_with_sigill() {
        ByteArrayOutputStream diag = new ByteArrayOutputStream();
        assertEquals(128 + 4, run(elf(b(0x0F, 0x0B)), new ByteArrayOutputStream(), diag));
        assertTrue(diag.toString().contains("signal 4"), diag.toString());
    }

    @Test
    void touching_unmapped_memory_kills_the_guest_with_sigsegv() {
        // mov rax,[0x10]
        assertEquals(128 + 11, run(elf(b(0x48, 0x8B, 0x04, 0x25, 0x10, 0, 0, 0)), new ByteArrayOutputStream(),
                new ByteArrayOutputStream()));
    }

    @Test
    void an_unknown_syscall_returns_enosys_and_is_reported_once_by_name() {
        // two reboot calls, then exit_group(rax & 0xff): -ENOSYS is -38 -> 218
        byte[] code = b(0xB8, 169, 0, 0, 0, 0x0F, 0x05, 0xB8, 169, 0, 0, 0, 0x0F, 0x05,
                0x89, 0xC7, 0xB8, 231, 0, 0, 0, 0x0F, 0x05);
        ByteArrayOutputStream diag = new ByteArrayOutputStream();
        assertEquals(256 - 38, run(elf(code), new ByteArrayOutputStream(), diag));
        String d = diag.toString();
        assertTrue(d.contains("reboot"), d);
        assertEquals(d.indexOf("reboot"), d.lastIndexOf("reboot"), d);
    }

    @Test
    void a_missing_non_elf_or_truncated_file_is_a_one_line_error_and_status_1() throws IOException {
        Path text = dir.resolve("text");
        Files.writeString(text, "#!/bin/sh\necho hi\n");
        Path truncated = dir.resolve("truncated");
        byte[] good = elf(b(0x0F, 0x0B));
        Files.write(truncated, Arrays.copyOf(good, 100));
        Path arm = dir.resolve("arm");
        byte[] wrongArch = good.clone();
        wrongArch[18] = (byte) 183; // EM_AARCH64
        Files.write(arm, wrongArch);
        for (Path p : List.of(dir.resolve("missing"), text, truncated, arm)) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PrintStream old = System.err;
            System.setErr(new PrintStream(err, true));
            int status;
            try {
                status = new CommandLine(new RunElfCommand()).execute(p.toString());
            } finally {
                System.setErr(old);
            }
            assertEquals(1, status, p.toString());
            assertEquals(1, err.toString().lines().count(), err.toString());
        }
    }
}
