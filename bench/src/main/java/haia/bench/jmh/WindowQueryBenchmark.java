package haia.bench.jmh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import haia.llm.LlmMessage;
import haia.llm.Usage;
import haia.store.ConversationIdentity;
import haia.store.ConversationStore;
import haia.store.Exchange;
import haia.store.MessageStatus;
import haia.store.NewMessage;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The window read every request makes (the last 20 live messages of one conversation) on a real SQLite file,
 * with a little and with a lot of history around it: the two figures should be the same (an index walk, not a scan).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class WindowQueryBenchmark {

    /** Exchanges stored in each of the 50 conversations. */
    @Param({"10", "1000"})
    public int exchangesPerConversation;

    private static final int CONVERSATIONS = 50;
    private Path dir;
    private ConversationStore store;
    private long[] conversationIds;

    @Setup(Level.Trial)
    public void fill() throws IOException {
        dir = Files.createTempDirectory("haia-jmh-");
        store = ConversationStore.open(dir.resolve("haia.db"), Clock.systemUTC());
        conversationIds = new long[CONVERSATIONS];
        for (int e = 0; e < exchangesPerConversation; e++) {
            for (int c = 0; c < CONVERSATIONS; c++) {
                ConversationIdentity identity = ConversationIdentity.keyed("jmh-" + c);
                String question = "question " + e + " about pve" + c;
                store.exchanges().commit(new Exchange(identity, OptionalLong.empty(), List.of(
                        NewMessage.user(LlmMessage.user(question), MessageStatus.OK, Optional.empty()),
                        NewMessage.text(LlmMessage.Role.ASSISTANT, "answer " + e + ": `qm status 10" + c + "`",
                                       MessageStatus.OK, Optional.of("haia"), Optional.of("stop"),
                                       Optional.of(new Usage(100, 20)), Optional.empty()))));
            }
        }
        for (int c = 0; c < CONVERSATIONS; c++) {
            conversationIds[c] = store.windows().findId(ConversationIdentity.keyed("jmh-" + c)).orElseThrow();
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        store.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public List<LlmMessage> lastTwentyMessages() {
        long id = conversationIds[ThreadLocalRandom.current().nextInt(CONVERSATIONS)];
        return store.windows().window(id, OptionalLong.empty(), 20);
    }
}
