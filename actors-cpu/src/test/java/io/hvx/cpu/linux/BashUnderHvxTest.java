package io.hvx.cpu.linux;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Debian's bash-static under hvx against itself run natively; external commands are busybox applets. */
class BashUnderHvxTest {
    private static final Path BASH = Path.of("/bin/bash-static");
    private static final Path BUSYBOX = Path.of("/bin/busybox");

    @TempDir
    Path dir;

    @BeforeAll
    static void needsBash() {
        Assumptions.assumeTrue(Files.isRegularFile(BASH),
                "needs Debian's bash-static at /bin/bash-static (apt-get install bash-static)");
        Assumptions.assumeTrue(Files.isRegularFile(BUSYBOX),
                "needs Debian's busybox-static at /bin/busybox (apt-get install busybox-static)");
    }

    /** A bin directory of busybox applet links, so that external commands are static programs hvx can run. */
    private List<String> env() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String applet : List.of("cat", "tr", "sort", "wc", "head")) {
            Files.createSymbolicLink(bin.resolve(applet), BUSYBOX);
        }
        return List.of("PATH=" + bin, "LC_ALL=C", "HOME=" + dir);
    }

    @Test
    void a_script_with_arithmetic_arrays_and_here_docs_matches_native() throws Exception {
        Path script = dir.resolve("script.bash");
        Files.writeString(script, """
                declare -a fruit=(apple banana cherry)
                fruit+=(date)
                echo "count=${#fruit[@]} second=${fruit[1]} last=${fruit[-1]}"
                for i in "${!fruit[@]}"; do printf '%d:%s\\n' "$i" "${fruit[$i]}"; done
                declare -A colour=([sky]=blue [grass]=green)
                echo "sky=${colour[sky]} keys=$(printf '%s\\n' "${!colour[@]}" | sort | tr '\\n' ,)"
                n=0; for ((i = 1; i <= 10; i++)); do (( n += i * i )); done; echo "sum=$n"
                echo $(( (17 % 5) << 3 )) $(( 2 ** 20 / 3 )) $(( -7 / 2 )) $(( 0x1F | 0100 ))
                cat <<END
                here-doc with $n and $(echo substituted)
                  indented line
                END
                cat <<'RAW' | tr a-z A-Z
                raw $n text
                RAW
                while read -r a b; do echo "[$b|$a]"; done <<< "one two"
                s="Hello World"; echo "${s,,} ${s^^} ${s:6} ${#s} ${s/World/There}"
                f() { local x=$1; echo "f:$((x + 1))"; return 3; }; f 41; echo "ret=$?"
                printf '%s\\n' "${fruit[@]}" | wc -l
                while read -r l; do echo "substituted:$l"; done < <(printf 'x\\ny\\n' | sort -r)
                cat <(echo one) <(echo two)
                echo to-stdout > /dev/stdout; echo data | cat /dev/stdin
                exit 4
                """);
        NativeAndHvx.Outcome out = NativeAndHvx.assertSame(dir, env(), new byte[0], BASH, script.toString());
        assertTrue(out.stdout().contains("sum=385"), out.stdout());
    }
}
