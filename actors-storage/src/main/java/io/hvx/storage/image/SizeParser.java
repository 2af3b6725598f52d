package io.hvx.storage.image;

import io.hvx.storage.block.ImageFormatException;

/** Parses sizes as qemu-img does: a number with an optional k, M, G, T, P or E suffix (powers of 1024). */
public final class SizeParser {
    private SizeParser() {}

    public static long parse(String text) throws ImageFormatException {
        String t = text.trim();
        if (t.isEmpty()) {
            throw new ImageFormatException("empty size");
        }
        char last = Character.toUpperCase(t.charAt(t.length() - 1));
        int shift = switch (last) {
            case 'B' -> 0;
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            case 'T' -> 40;
            case 'P' -> 50;
            case 'E' -> 60;
            default -> -1;
        };
        String digits = shift < 0 ? t : t.substring(0, t.length() - 1);
        try {
            double v = Double.parseDouble(digits);
            double bytes = v * Math.pow(2, Math.max(shift, 0));
            if (v < 0 || bytes >= 0x1p63 || Double.isNaN(v)) {
                throw new ImageFormatException("invalid size '" + text + "'");
            }
            return (long) bytes;
        } catch (NumberFormatException e) {
            throw new ImageFormatException("invalid size '" + text + "'");
        }
    }
}
