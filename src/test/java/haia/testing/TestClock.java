package haia.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock tests move: it starts at a given instant and moves 1 ms with every reading (so times stay distinct and
 * in order, as on a real clock; or another step, or none), and jumps where the test sets it ({@link #set}, {@link #advance}). Handed to HAIA
 * through its clock injection ({@code Haia.create(config, clock)}), it decides the days the usage ledger files calls
 * under.
 */
public final class TestClock extends Clock {

    private Instant now;
    private final Duration step;

    public TestClock(Instant start) {
        this(start, Duration.ofMillis(1));
    }

    /** A clock that moves {@code step} with every reading ({@link Duration#ZERO}: it stays where it is set). */
    public TestClock(Instant start, Duration step) {
        this.now = start;
        this.step = step;
    }

    public synchronized void set(Instant instant) {
        now = instant;
    }

    public synchronized void advance(Duration duration) {
        now = now.plus(duration);
    }

    @Override
    public synchronized Instant instant() {
        Instant reading = now;
        now = now.plus(step);
        return reading;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    /** The same clock seen in another zone (the persona's date): it reads, and moves, this one. */
    @Override
    public Clock withZone(ZoneId zone) {
        TestClock base = this;
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return zone;
            }

            @Override
            public Clock withZone(ZoneId other) {
                return base.withZone(other);
            }

            @Override
            public Instant instant() {
                return base.instant();
            }
        };
    }
}
