package haia.llm;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import haia.testing.TestClock;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The breaker's rules, request by request, on a clock the test moves. */
class ProviderBreakerTest {

    private final TestClock clock = new TestClock(Instant.parse("2026-12-01T10:00:00Z"));
    private final ProviderBreaker breaker = new ProviderBreaker(3, Duration.ofSeconds(30), clock);

    private void fail(boolean counts) {
        breaker.failed(breaker.admit().orElseThrow(), counts);
    }

    private void answer() {
        breaker.answered(breaker.admit().orElseThrow());
    }

    @Test
    void aProviderThatFailsEveryRequestOpensIt() {
        fail(true);
        fail(true);
        assertTrue(breaker.admit().isPresent(), "two failed requests are not yet a dead provider");
        fail(true);
        assertEquals(Optional.empty(), breaker.admit(), "the third in a row opens it");
        assertTrue(breaker.open());
        assertTrue(breaker.remaining().compareTo(Duration.ofSeconds(29)) > 0, breaker.remaining().toString());
        assertEquals("open", breaker.describe());
    }

    @Test
    void anAnswerBetweenFailuresShowsTheProviderIsUp() {
        for (int round = 0; round < 10; round++) {
            fail(true);
            fail(true);
            answer();   // a success, or the provider refusing the request: either way it answered
        }
        assertTrue(breaker.admit().isPresent());
        assertEquals("closed", breaker.describe());
    }

    @Test
    void backgroundTasksAndCallsStoppedByHaiaNeverCount() {
        for (int i = 0; i < 10; i++) {
            fail(false);                                              // OpenWebUI's title task, failing
            breaker.released(breaker.admit().orElseThrow());          // a client that left
        }
        fail(true);
        fail(true);
        assertFalse(breaker.open(), "only the chat's own two failures count");
    }

    @Test
    void afterTheDelayOneTrialDecides() {
        fail(true);
        fail(true);
        fail(true);
        clock.advance(Duration.ofSeconds(29));
        assertEquals(Optional.empty(), breaker.admit());
        clock.advance(Duration.ofSeconds(1));
        ProviderBreaker.Ticket trial = breaker.admit().orElseThrow();
        assertTrue(trial.trial());
        assertEquals(Optional.empty(), breaker.admit(), "one trial at a time");
        breaker.failed(trial, true);
        assertTrue(breaker.open(), "a failed trial opens it again at once");

        clock.advance(Duration.ofSeconds(30));
        ProviderBreaker.Ticket background = breaker.admit().orElseThrow();
        breaker.failed(background, false);   // a background task's failed trial decides nothing
        assertFalse(breaker.open());
        ProviderBreaker.Ticket next = breaker.admit().orElseThrow();
        assertTrue(next.trial(), "still half open: the next request is the trial");
        breaker.answered(next);
        assertEquals("closed", breaker.describe());
        assertTrue(breaker.admit().isPresent());
    }
}
