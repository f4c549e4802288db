package haia.watch;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import haia.chat.ChatCommand;
import haia.config.ConfigLoader;
import haia.config.HaiaConfig;
import haia.llm.LlmMessage;
import haia.observe.HaiaMetrics;
import haia.observe.WatchMetrics;
import haia.store.ConversationStore;
import haia.store.Severity;
import haia.store.Sighting;
import haia.testing.TestClock;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The briefing's "since you last looked" on a real SQLite store, with a clock that reads finer than the millisecond
 * findings' times are stored in (as the system clock does): a finding resolved in the same millisecond as the last
 * look is briefed (it was never briefed when the look kept its microseconds: a race a fast machine lost in
 * {@code WatchPipelineTest}).
 */
class BoardTest {

    @TempDir
    Path dir;
    private ConversationStore store;

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    @Test
    void aFindingResolvedInTheMillisecondOfTheLastLookIsBriefedOnceAndThenGone() {
        TestClock clock = new TestClock(Instant.parse("2026-12-07T03:11:00.000250Z"), Duration.ZERO);
        HaiaConfig config = ConfigLoader.load(Map.of("ANTHROPIC_API_KEY", "k",
                                                     "HAIA_DB_PATH", dir.resolve("haia.db").toString()), dir);
        store = ConversationStore.open(config.store(), clock);
        Board board = new Board(store.findings(), new WatchMetrics(new HaiaMetrics()), clock);

        store.findings().record(List.of(sighting(true)));
        board.refresh();
        assertTrue(brief(board).orElseThrow().contains("- OPEN critical: NodeDown on pve3"));

        clock.set(Instant.parse("2026-12-07T03:11:00.000750Z"));   // the same millisecond as that look
        store.findings().record(List.of(sighting(false)));
        board.refresh();
        String resolved = brief(board).orElseThrow();
        assertTrue(resolved.contains("- RESOLVED: NodeDown on pve3"), resolved);

        clock.set(Instant.parse("2026-12-07T03:11:00.002Z"));
        assertEquals(Optional.empty(), brief(board), "seen, then gone");
    }

    private static Sighting sighting(boolean firing) {
        return new Sighting("alertmanager:NodeDown:pve3", "alertmanager", "NodeDown on pve3", Severity.CRITICAL,
                            "node exporter down", firing);
    }

    private static Optional<String> brief(Board board) {
        return board.forRequest(new ChatCommand(Optional.empty(), List.of(), List.of(LlmMessage.user("news?")),
                                                ChatCommand.Generation.DEFAULT, false,
                                                new ChatCommand.ConversationHint(Optional.of("ops"), Optional.empty(),
                                                                                 Optional.empty())));
    }
}
