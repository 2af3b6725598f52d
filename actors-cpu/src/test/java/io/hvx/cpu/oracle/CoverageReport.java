package io.hvx.cpu.oracle;

import io.hvx.cpu.decode.OpcodeTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Writes target/oracle-coverage-NAME.txt: how often each form was exercised, and which opcodes the decoder
 * defines that no form of any oracle test covers.
 */
final class CoverageReport {
    private CoverageReport() {
    }

    static Path write(String name, long seed, int cases, Map<String, Integer> exercised) {
        StringBuilder s = new StringBuilder();
        s.append("oracle coverage: ").append(name).append(", seed ").append(seed).append(", ").append(cases)
                .append(" cases\n\nform                                   cases\n");
        exercised.forEach((k, v) -> s.append(String.format("%-38s %6d%n", k, v)));
        TreeSet<String> uncovered = uncoveredOpcodes();
        s.append("\nopcodes the decoder defines that no oracle form covers (").append(uncovered.size()).append("):\n");
        for (String u : uncovered) {
            s.append("  ").append(u).append('\n');
        }
        Path out = Path.of("target", "oracle-coverage-" + name + ".txt");
        try {
            Files.createDirectories(out.getParent());
            Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
            Files.writeString(tmp, s);
            Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the coverage report " + out + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Decoder opcodes (map and byte) that none of the oracle's forms starts with. */
    static TreeSet<String> uncoveredOpcodes() {
        boolean[][] covered = new boolean[6][256];
        for (List<Form> forms : List.of(Forms.all(), Forms.sse(), Forms.x87(), Forms.mmx(), ExtensionForms.vector(),
                ExtensionForms.bmi())) {
            for (Form f : forms) {
                byte[] o = f.opcode();
                int map = 0;
                int at = 0;
                if (f.vex() != 0) {
                    map = (f.vex() >>> 2 & 3) == 2 ? OpcodeTable.MAP_VEX_0F38 : OpcodeTable.MAP_VEX_0F3A;
                } else if ((o[0] & 0xFF) == 0x0F) {
                    map = 1;
                    at = 1;
                    if ((o[1] & 0xFF) == 0x38) {
                        map = 2;
                        at = 2;
                    } else if ((o[1] & 0xFF) == 0x3A) {
                        map = 3;
                        at = 2;
                    }
                }
                int op = o[at] & 0xFF;
                covered[map][op] = true;
                if (f.opReg()) {
                    for (int r = 0; r < 8; r++) {
                        covered[map][(op & 0xF8) + r] = true;
                    }
                }
            }
        }
        String[] maps = {"", "0f ", "0f 38 ", "0f 3a ", "vex 0f 38 ", "vex 0f 3a "};
        TreeSet<String> out = new TreeSet<>();
        for (int map = 0; map < maps.length; map++) {
            for (int op = 0; op < 256; op++) {
                if (OpcodeTable.defined(map, op) && !covered[map][op]) {
                    out.add(String.format("%s%02x", maps[map], op));
                }
            }
        }
        return out;
    }
}
