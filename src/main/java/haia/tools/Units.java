package haia.tools;

import java.util.Locale;

/** Numbers as an operator reads them in a tool result: bytes in KiB/MiB/GiB/TiB, durations, percentages. */
public final class Units {

    private static final String[] BYTE_UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

    private Units() {
    }

    public static String bytes(double bytes) {
        int unit = 0;
        double value = bytes;
        while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? String.format(Locale.ROOT, "%.0f B", value)
                : String.format(Locale.ROOT, "%.1f %s", value, BYTE_UNITS[unit]);
    }

    /** {@code used of total (p%)}, e.g. {@code 3.2 GiB of 16.0 GiB (20%)}. */
    public static String usage(double used, double total) {
        return total > 0 ? bytes(used) + " of " + bytes(total) + " (" + percent(used / total) + ")" : bytes(used);
    }

    /** A fraction as a percentage: 0.1234 → {@code 12%}, small values with one decimal. */
    public static String percent(double fraction) {
        double p = fraction * 100;
        return p < 10 ? String.format(Locale.ROOT, "%.1f%%", p) : String.format(Locale.ROOT, "%.0f%%", p);
    }

    /** Seconds as {@code 3d 4h}, {@code 5h 12m}, {@code 7m 3s}. */
    public static String duration(long seconds) {
        long d = seconds / 86400;
        long h = seconds % 86400 / 3600;
        long m = seconds % 3600 / 60;
        long s = seconds % 60;
        if (d > 0) {
            return d + "d " + h + "h";
        }
        if (h > 0) {
            return h + "h " + m + "m";
        }
        return m > 0 ? m + "m " + s + "s" : s + "s";
    }
}
