package haia.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import haia.llm.LlmMessage;
import haia.llm.Usage;
import haia.testing.TestClock;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SQLite's WAL checkpoints off the writer's path, on a real file: exchanges far below the writer's own threshold
 * ({@link Checkpoints#WRITER_PAGES} pages) reach the database file anyway, copied there by the checkpointer.
 */
class CheckpointsTest {

    @TempDir
    Path dir;

    @Test
    void theLogReachesTheDatabaseFileWithoutTheWriterCheckpointing() throws Exception {
        Path file = dir.resolve("haia.db");
        try (ConversationStore store = ConversationStore.open(file, new TestClock(Instant.parse("2026-11-20T09:00:00Z")))) {
            long before = Files.size(file);
            for (int i = 0; i < 40; i++) {
                NewMessage user = NewMessage.user(LlmMessage.user("osd " + i + " of pve-kestrel " + "x".repeat(2_000)),
                                                  MessageStatus.OK, Optional.empty());
                NewMessage answer = NewMessage.text(LlmMessage.Role.ASSISTANT, "in", MessageStatus.OK,
                                                    Optional.of("haia"), Optional.of("stop"),
                                                    Optional.of(new Usage(3, 4)), Optional.empty());
                store.exchanges().commit(new Exchange(ConversationIdentity.openWebUi("c" + (i % 4)),
                                                      OptionalLong.empty(), List.of(user, answer)));
            }
            long walPages = Files.size(Path.of(file + "-wal")) / 4_096;
            assertTrue(walPages < Checkpoints.WRITER_PAGES, "below the writer's own threshold: " + walPages);
            long deadline = System.nanoTime() + 10_000_000_000L;   // EVERY is 50 ms: ten seconds is a stalled machine
            while (Files.size(file) < before + 40 * 2_000 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(Files.size(file) >= before + 40 * 2_000,
                       "the messages' pages copied into the database file: " + before + " -> " + Files.size(file));
            assertEquals(40, store.conversations().list(10, 0).stream().mapToInt(c -> c.liveCount()).sum() / 2);
        }
    }
}
