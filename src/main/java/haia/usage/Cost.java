package haia.usage;

import java.math.BigDecimal;

/**
 * An amount of US dollars, exactly, as a whole number of picodollars (10^-12 USD).
 *
 * <p>Why integers and why so small a unit: the cost of one call is tokens × (price per million tokens), and with
 * prices kept as whole micro-dollars per million tokens ({@link Rate}) that product is a whole number of picodollars,
 * with no rounding at all. Integers are also what both databases sum exactly: SQLite has no decimal type (a NUMERIC
 * column is stored as a float when it has a fraction), so the ledger keeps picodollars in an INTEGER column, and
 * {@code /v1/usage} totals are exact sums of exact costs. A long holds about 9.2 million dollars of picodollars,
 * more than any homelab spends through HAIA; conversion to decimal dollars happens only for display
 * ({@link #usd()}).
 *
 * @param picoUsd the amount in 10^-12 USD; never negative
 */
public record Cost(long picoUsd) implements Comparable<Cost> {

    public static final Cost ZERO = new Cost(0);

    public Cost {
        if (picoUsd < 0) {
            throw new IllegalArgumentException("a cost is never negative: " + picoUsd);
        }
    }

    public Cost plus(Cost other) {
        return new Cost(Math.addExact(picoUsd, other.picoUsd));
    }

    /** The amount in dollars, exact, without trailing zeros ({@code 0.0000125}). */
    public BigDecimal usd() {
        return usd(BigDecimal.valueOf(picoUsd));
    }

    /** A sum of picodollars (as a database returns it: a long, or a numeric on PostgreSQL) in dollars, exact. */
    public static BigDecimal usd(BigDecimal picoUsd) {
        return plain(picoUsd.movePointLeft(12));
    }

    /** Without trailing zeros, and never in exponent form ({@code 10}, not {@code 1E+1}). */
    static BigDecimal plain(BigDecimal value) {
        BigDecimal stripped = value.stripTrailingZeros();
        return stripped.scale() < 0 ? stripped.setScale(0) : stripped;
    }

    @Override
    public int compareTo(Cost other) {
        return Long.compare(picoUsd, other.picoUsd);
    }

    @Override
    public String toString() {
        return "$" + usd().toPlainString();
    }
}
