package io.hvx.cpu.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The host CPU is the oracle: random integer instructions must leave the same registers, flags and memory. */
class IntegerInstructionsMatchHostTest {
    private static final int CASES = Integer.getInteger("hvx.oracle.cases", 100_000);

    @org.junit.jupiter.api.BeforeAll
    static void needsAnX86Host() {
        String arch = System.getProperty("os.arch");
        org.junit.jupiter.api.Assumptions.assumeTrue(("amd64".equals(arch) || "x86_64".equals(arch))
                && System.getProperty("os.name").startsWith("Linux"),
                "the host CPU is the oracle: needs x86-64 Linux, this is " + arch);
    }

    @Test
    void random_integer_instructions_match_the_host_cpu() {
        long seed = Long.getLong("hvx.seed", System.nanoTime());
        System.out.println("differential test seed " + seed + " (rerun with -Dhvx.seed=" + seed + ")");
        List<Form> forms = Forms.all();
        try (DifferentialHarness h = new DifferentialHarness()) {
            String diff = h.run(forms, seed, CASES);
            assertNull(diff, diff);
            Map<String, Integer> seen = h.exercised();
            long unexercised = seen.values().stream().filter(v -> v == 0).count();
            StringBuilder coverage = new StringBuilder("coverage: " + forms.size() + " forms, "
                    + CASES + " cases, " + h.skipped() + " skipped (#DE or undefined)\n");
            seen.forEach((k, v) -> coverage.append(String.format("  %-22s %6d%n", k, v)));
            System.out.print(coverage);
            System.out.println("coverage report: " + CoverageReport.write("integer", seed, CASES, seen));
            assertEquals(0, unexercised, "forms never exercised:\n" + coverage);
        }
    }

    @Test
    void the_oracle_itself_detects_a_wrong_result() {
        // a harness that compares nothing would pass everything: check that a planted difference is caught
        try (DifferentialHarness h = new DifferentialHarness()) {
            Form wrongSize = new Form("add rAX,Iz", new byte[] {0x05}, 0, -2, 4, Form.D, false, 0, 0, 0);
            // pretend the instruction takes an 8-bit immediate: the decoded length disagrees
            Form lying = new Form("add rAX,Iz", new byte[] {0x05}, 0, -2, 1, Form.D, false, 0, 0, 0);
            assertNull(h.run(List.of(wrongSize), 1, 50));
            String diff = h.run(List.of(lying), 1, 1);
            org.junit.jupiter.api.Assertions.assertNotNull(diff);
        }
    }

    @Test
    void sse_instructions_match_the_host_cpu() {
        long seed = Long.getLong("hvx.seed", System.nanoTime());
        System.out.println("SSE differential test seed " + seed + " (rerun with -Dhvx.seed=" + seed + ")");
        List<Form> forms = Forms.sse();
        int cases = CASES / 5;
        try (DifferentialHarness h = new DifferentialHarness()) {
            String diff = h.run(forms, seed, cases);
            assertNull(diff, diff);
            long unexercised = h.exercised().values().stream().filter(v -> v == 0).count();
            System.out.println("coverage report: " + CoverageReport.write("sse", seed, cases, h.exercised()));
            assertEquals(0, unexercised, "SSE forms never exercised: " + h.exercised());
        }
    }

    @Test
    void x87_instructions_match_the_host_cpu() {
        long seed = Long.getLong("hvx.seed", System.nanoTime());
        System.out.println("x87 differential test seed " + seed + " (rerun with -Dhvx.seed=" + seed + ")");
        List<Form> forms = Forms.x87();
        int cases = CASES / 4; // an x87 case costs about eight integer ones (state images, soft float)
        try (DifferentialHarness h = new DifferentialHarness()) {
            String diff = h.run(forms, seed, cases);
            assertNull(diff, diff);
            long unexercised = h.exercised().values().stream().filter(v -> v == 0).count();
            System.out.println("coverage report: " + CoverageReport.write("x87", seed, cases, h.exercised()));
            assertEquals(0, unexercised, "x87 forms never exercised: " + h.exercised());
        }
    }

    @Test
    void mmx_instructions_match_the_host_cpu() {
        long seed = Long.getLong("hvx.seed", System.nanoTime());
        System.out.println("MMX differential test seed " + seed + " (rerun with -Dhvx.seed=" + seed + ")");
        List<Form> forms = Forms.mmx();
        int cases = CASES / 10;
        try (DifferentialHarness h = new DifferentialHarness()) {
            String diff = h.run(forms, seed, cases);
            assertNull(diff, diff);
            long unexercised = h.exercised().values().stream().filter(v -> v == 0).count();
            System.out.println("coverage report: " + CoverageReport.write("mmx", seed, cases, h.exercised()));
            assertEquals(0, unexercised, "MMX forms never exercised: " + h.exercised());
        }
    }
}
