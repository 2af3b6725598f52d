package io.hvx.cpu.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The host CPU is the oracle for SSE3, SSSE3, SSE4.1/4.2, BMI1/2 and the MMX-operand SSE forms. */
class ExtensionInstructionsMatchHostTest {
    private static final int CASES = Integer.getInteger("hvx.oracle.cases", 100_000);

    @BeforeAll
    static void needsAnX86HostWithTheExtensions() {
        String arch = System.getProperty("os.arch");
        org.junit.jupiter.api.Assumptions.assumeTrue(("amd64".equals(arch) || "x86_64".equals(arch))
                && System.getProperty("os.name").startsWith("Linux"),
                "the host CPU is the oracle: needs x86-64 Linux, this is " + arch);
        String flags = HostCpuFlags.read();
        for (String needed : List.of("pni", "ssse3", "sse4_1", "sse4_2", "bmi1", "bmi2")) {
            org.junit.jupiter.api.Assumptions.assumeTrue(flags.contains(" " + needed + " "),
                    "the host CPU lacks " + needed + ", so it cannot be the oracle for it");
        }
    }

    private static void check(String name, List<Form> forms, int cases) {
        long seed = Long.getLong("hvx.seed", System.nanoTime());
        System.out.println(name + " differential test seed " + seed + " (rerun with -Dhvx.seed=" + seed + ")");
        try (DifferentialHarness h = new DifferentialHarness()) {
            String diff = h.run(forms, seed, cases);
            assertNull(diff, diff);
            long unexercised = h.exercised().values().stream().filter(v -> v == 0).count();
            System.out.println("coverage report: " + CoverageReport.write(name, seed, cases, h.exercised()));
            assertEquals(0, unexercised, name + " forms never exercised: " + h.exercised());
        }
    }

    @Test
    void sse3_ssse3_and_sse4_instructions_match_the_host_cpu() {
        check("sse4", ExtensionForms.vector(), CASES / 4);
    }

    @Test
    void bmi_and_crc32_instructions_match_the_host_cpu() {
        check("bmi", ExtensionForms.bmi(), CASES / 10);
    }
}
