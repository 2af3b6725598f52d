package io.hvx.cpu.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A static C program built with the host's gcc and glibc runs glibc's string and memory functions over many
 * sizes and alignments and the SSE4.2/SSE4.1/SSSE3/BMI intrinsics directly. Under hvx glibc's ifuncs see
 * hvx's CPUID (SSE4.2, no AVX) and pick other variants than natively; the printed hashes must still match.
 * The program is built for x86-64-v2 plus BMI1/2, MOVBE and LZCNT (where the host advertises ABM) rather than
 * -march=native, which on an AVX host would put AVX instructions (not advertised by hvx) in the program's own code.
 */
class StringFunctionsProgramMatchesHostTest {
    @TempDir
    Path dir;

    @Test
    void glibc_string_functions_and_sse4_bmi_intrinsics_match_the_native_run() throws Exception {
        String flags = HostCpuFlags.read();
        for (String needed : List.of("sse4_2", "ssse3", "bmi1", "bmi2", "movbe")) {
            Assumptions.assumeTrue(flags.contains(" " + needed + " "), "the host CPU lacks " + needed
                    + ": it cannot run the native half of this comparison");
        }
        // Without ABM the host runs LZCNT's encoding as BSR, so the program leaves LZCNT out there (some
        // hypervisors hide ABM on CPUs that have it); the instruction tests compare LZCNT where the host has it.
        boolean lzcnt = flags.contains(" abm ");
        if (!lzcnt) {
            System.out.println("StringFunctionsProgramMatchesHostTest: the host CPU lacks abm, building without -mlzcnt");
        }
        Path exe = HostProgram.build(dir, "strings", "-O2", "-march=x86-64-v2", "-mbmi", "-mbmi2",
                lzcnt ? "-mlzcnt" : "-mno-lzcnt", "-mmovbe", "-w");
        HostProgram.Run expected = HostProgram.host(exe);
        assertEquals(0, expected.status());
        HostProgram.Run actual = HostProgram.hvx(exe);
        assertEquals(expected.stdout(), actual.stdout(), "hvx diagnostics:\n" + actual.diagnostics());
        assertEquals(0, actual.status(), "hvx diagnostics:\n" + actual.diagnostics());
    }
}
