package haia.store;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The watch's findings and investigations on a real SQLite file and on a real PostgreSQL server. */
class FindingStoreTest extends StoreTestCase {

    FindingStore findings;

    @BeforeEach
    void findings() {
        findings = store.findings();
    }

    private static Sighting firing(String fingerprint, String title) {
        return new Sighting(fingerprint, "alertmanager", title, Severity.CRITICAL,
                            "{\"labels\":{\"alertname\":\"" + title + "\"}}", true);
    }

    private static Sighting resolved(String fingerprint) {
        return new Sighting(fingerprint, "alertmanager", "x", Severity.CRITICAL, "{}", false);
    }

    @Test
    void aFindingOpensOnceRepeatsUpdateItAndResolutionClosesIt() {
        Instant start = clock.instant();
        FindingStore.Changes first = findings.record(List.of(firing("am/1", "DiskFull")));
        assertEquals(1, first.opened().size());
        Finding opened = first.opened().getFirst();
        assertEquals("DiskFull", opened.title());
        assertTrue(opened.firing());
        assertTrue(opened.firstSeen().isAfter(start) && opened.firstSeen().isBefore(start.plusSeconds(1)));

        clock.advance(Duration.ofMinutes(5));
        Instant later = clock.instant();
        FindingStore.Changes repeat = findings.record(List.of(firing("am/1", "DiskFull again")));
        assertEquals(FindingStore.Changes.NONE.opened(), repeat.opened());
        assertEquals(1, repeat.repeats());
        Finding seen = findings.get(opened.id()).orElseThrow();
        assertEquals(opened.firstSeen(), seen.firstSeen());
        assertTrue(seen.lastSeen().isAfter(later) && seen.lastSeen().isBefore(later.plusSeconds(1)));
        assertEquals("DiskFull again", seen.title());

        clock.advance(Duration.ofMinutes(5));
        Instant resolving = clock.instant();
        FindingStore.Changes closed = findings.record(List.of(resolved("am/1")));
        assertEquals(1, closed.resolved().size());
        assertTrue(closed.resolved().getFirst().resolvedAt().orElseThrow().isAfter(resolving));
        assertEquals(1, findings.record(List.of(resolved("am/1"))).repeats(), "a second resolution changes nothing");

        // firing again after its resolution: a new finding
        FindingStore.Changes again = findings.record(List.of(firing("am/1", "DiskFull")));
        assertEquals(1, again.opened().size());
        assertTrue(again.opened().getFirst().id() != opened.id());
        assertEquals(List.of(again.opened().getFirst().id()),
                     findings.list(Optional.of(true), 10).stream().map(Finding::id).toList());
        assertEquals(List.of(opened.id()), findings.list(Optional.of(false), 10).stream().map(Finding::id).toList());
        assertEquals(2, findings.list(Optional.empty(), 10).size());
    }

    @Test
    void thousandsOfSightingsInChunksAndOneBatchMayOpenAndResolve() {
        List<Sighting> storm = new ArrayList<>();
        for (int i = 0; i < 2 * FindingStore.CHUNK + 17; i++) {
            storm.add(firing("am/" + i, "Alert " + i));
        }
        assertEquals(storm.size(), findings.record(storm).opened().size());
        FindingStore.Changes mixed = findings.record(List.of(resolved("am/3"), firing("am/new", "New"),
                                                             firing("am/4", "Alert 4")));
        assertEquals(List.of("am/new"), mixed.opened().stream().map(Finding::fingerprint).toList());
        assertEquals(List.of("am/3"), mixed.resolved().stream().map(Finding::fingerprint).toList());
        assertEquals(1, mixed.repeats());
        long open = findings.firingCounts().stream().mapToLong(FindingStore.Count::findings).sum();
        assertEquals(storm.size(), open);
    }

    @Test
    void replicasRecordingTheSameAlertAtOnceOpenItOnce() throws Exception {
        List<Callable<Integer>> racers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            racers.add(() -> findings.record(List.of(firing("am/race", "Race"))).opened().size());
        }
        int opened = 0;
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            for (Future<Integer> f : pool.invokeAll(racers)) {
                opened += f.get();
            }
        }
        assertEquals(1, opened);
    }

    @Test
    void controlCharactersAndMarkupAreStoredAsTheyCame() {
        String detail = "{\"labels\":{\"x\":\"a\\u0000b <script>alert(1)</script> \\n forged\"}}";
        Finding f = findings.record(List.of(new Sighting("am/ctl", "alertmanager", "a <b>title</b>",
                                                           Severity.WARNING, detail, true))).opened().getFirst();
        assertEquals(detail, findings.get(f.id()).orElseThrow().detail());
        assertEquals("a <b>title</b>", findings.get(f.id()).orElseThrow().title());
    }

    @Test
    void investigationsLinkTheirFindingsAndCountTowardsTheHourlyLimit() {
        List<Long> ids = findings.record(List.of(firing("am/a", "A"), firing("am/b", "B"))).opened().stream()
                .map(Finding::id).toList();
        long running = findings.startInvestigation(ids, FindingStore.Result.RUNNING, Optional.empty());
        assertEquals(OptionalLong.of(running), findings.get(ids.get(0)).orElseThrow().investigationId());
        assertEquals(Optional.empty(), findings.get(ids.get(1)).orElseThrow().summary());
        findings.finishInvestigation(running, FindingStore.Result.ANSWERED,
                                     "\n## Disk almost full on nas\n\nRun `df -h`.", OptionalLong.of(42));
        assertEquals(Optional.of("Disk almost full on nas"), findings.get(ids.get(1)).orElseThrow().summary());
        assertEquals(Optional.of("\n## Disk almost full on nas\n\nRun `df -h`."), findings.answer(running));

        long limited = findings.startInvestigation(List.of(), FindingStore.Result.LIMITED,
                                                   Optional.of("Not investigated: the limit is reached."));
        assertTrue(limited > running);
        assertEquals(1, findings.investigationsSince(clock.instant().minus(Duration.ofHours(1))),
                     "a limited one is not counted");
        clock.advance(Duration.ofMinutes(61));
        assertEquals(0, findings.investigationsSince(clock.instant().minus(Duration.ofHours(1))));
    }

    @Test
    void investigationsAStoppedHaiaLeftRunningAreClosedAtTheNextStart() {
        List<Long> ids = findings.record(List.of(firing("am/c", "C"))).opened().stream().map(Finding::id).toList();
        long running = findings.startInvestigation(ids, FindingStore.Result.RUNNING, Optional.empty());
        assertEquals(0, findings.abandon(clock.instant().minus(Duration.ofHours(1))), "still within its bounds");
        clock.advance(Duration.ofMinutes(61));
        assertEquals(1, findings.abandon(clock.instant().minus(Duration.ofHours(1))));
        assertEquals(Optional.of("HAIA stopped during this investigation."), findings.answer(running));
        assertEquals(Optional.of("HAIA stopped during this investigation."),
                     findings.get(ids.getFirst()).orElseThrow().summary());
        assertEquals(0, findings.abandon(clock.instant()), "nothing left to close");
    }

    @Test
    void staleGenericAlertsExpireAndSourcesAreRemembered() {
        findings.record(List.of(new Sighting("alert/1", "uptime-kuma", "site down", Severity.CRITICAL, "{}", true),
                                firing("am/keep", "Keep")));
        assertTrue(findings.heardFrom("alertmanager"));
        assertFalse(findings.heardFrom("prometheus"));
        clock.advance(Duration.ofHours(25));
        List<Finding> expired = findings.expire("alert/", clock.instant().minus(Duration.ofHours(24)));
        assertEquals(List.of("alert/1"), expired.stream().map(Finding::fingerprint).toList());
        assertTrue(findings.get(expired.getFirst().id()).orElseThrow().resolvedAt().isPresent());
        assertEquals(1, findings.list(Optional.of(true), 10).size(), "only generic alerts expire");
        assertEquals(expired.stream().map(Finding::id).toList(),
                     findings.resolvedSince(clock.instant().minusSeconds(1), 10).stream().map(Finding::id).toList());
    }

    @Test
    void theLastChatLeavesInvestigationsOut() {
        assertEquals(Optional.empty(), findings.lastChat());
        store.exchanges().commit(new Exchange(ConversationIdentity.keyed("ops"), OptionalLong.empty(),
                                  List.of(NewMessage.user(haia.llm.LlmMessage.user("hi"), MessageStatus.OK,
                                                          Optional.empty())), List.of()));
        Instant chatted = findings.lastChat().orElseThrow();
        clock.advance(Duration.ofMinutes(3));
        store.exchanges().commit(new Exchange(ConversationIdentity.keyed(FindingStore.CONVERSATION_PREFIX + "7"),
                                  OptionalLong.empty(), List.of(NewMessage.user(haia.llm.LlmMessage.user("alert"),
                                                                               MessageStatus.OK, Optional.empty())),
                                  List.of()));
        assertEquals(Optional.of(chatted), findings.lastChat());
    }
}
