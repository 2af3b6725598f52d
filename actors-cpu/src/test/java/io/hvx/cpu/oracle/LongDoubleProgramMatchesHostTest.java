package io.hvx.cpu.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A static C program built with the host's gcc and glibc prints long double results (x87 arithmetic under
 * every rounding mode, printf/strtold, sqrtl, fmodl/remainderl, rintl, ldexpl, conversions): its output
 * under hvx must be byte for byte the native one.
 */
class LongDoubleProgramMatchesHostTest {
    @TempDir
    Path dir;

    @Test
    void long_double_printf_strtold_and_libm_match_the_native_run() throws Exception {
        Path exe = HostProgram.build(dir, "longdouble", "-O1");
        HostProgram.Run expected = HostProgram.host(exe);
        assertEquals(0, expected.status());
        HostProgram.Run actual = HostProgram.hvx(exe);
        assertEquals(expected.stdout(), actual.stdout());
        assertEquals(0, actual.status());
    }
}
