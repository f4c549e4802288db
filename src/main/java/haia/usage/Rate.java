package haia.usage;

import java.math.BigDecimal;

import haia.config.HaiaConfig;

/**
 * A price per token as providers publish it: US dollars per million tokens, kept as a whole number of micro-dollars
 * per million tokens, so every published price (they have at most a few decimals: $0.075, $1.25) is exact, and the
 * cost of any number of tokens is a whole number of picodollars ({@link #of(long)}).
 *
 * @param microUsdPerMillion micro-dollars per million tokens ($1.25 per million tokens is 1,250,000)
 */
public record Rate(long microUsdPerMillion) {

    public static final Rate FREE = new Rate(0);
    /** The configuration's bound (a typo guard), kept here too so no Rate breaks it. */
    public static final BigDecimal MAX_USD_PER_MILLION = HaiaConfig.PriceSetting.MAX_USD_PER_MILLION;

    public Rate {
        if (microUsdPerMillion < 0) {
            throw new IllegalArgumentException("a price is never negative: " + microUsdPerMillion);
        }
    }

    /**
     * {@code usd} dollars per million tokens.
     *
     * @throws IllegalArgumentException when it is negative, above {@link #MAX_USD_PER_MILLION}, or finer than a
     *                                  micro-dollar
     */
    public static Rate usdPerMillion(BigDecimal usd) {
        if (usd.signum() < 0 || usd.compareTo(MAX_USD_PER_MILLION) > 0) {
            throw new IllegalArgumentException("must be from 0 to " + MAX_USD_PER_MILLION
                                                       + " (US dollars per million tokens)");
        }
        try {
            return new Rate(usd.movePointRight(6).longValueExact());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("has more than 6 decimals (US dollars per million tokens)");
        }
    }

    public static Rate usdPerMillion(String usd) {
        return usdPerMillion(new BigDecimal(usd));
    }

    /**
     * This rate times {@code factor}, e.g. Anthropic's cache write at 1.25 times the input price; rounded to the
     * micro-dollar per million tokens where a configured price has more decimals than the product can keep.
     */
    Rate times(BigDecimal factor) {
        return new Rate(BigDecimal.valueOf(microUsdPerMillion).multiply(factor)
                                .setScale(0, java.math.RoundingMode.HALF_UP).longValueExact());
    }

    /** What {@code tokens} tokens cost at this rate: exactly, in picodollars (µ$ per 10^6 tokens × tokens). */
    public Cost of(long tokens) {
        return new Cost(Math.multiplyExact(microUsdPerMillion, tokens));
    }

    /** Dollars per million tokens, for display ({@code 1.25}). */
    public BigDecimal usdPerMillion() {
        return Cost.plain(BigDecimal.valueOf(microUsdPerMillion).movePointLeft(6));
    }

    @Override
    public String toString() {
        return "$" + usdPerMillion().toPlainString() + "/M";
    }
}
