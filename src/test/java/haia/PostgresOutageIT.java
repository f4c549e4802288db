package haia;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import haia.testing.FakeAnthropic;
import haia.testing.HaiaProcess;
import haia.testing.Http;
import haia.testing.PostgresServer;
import haia.testing.Scrape;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two replicas (the real jar) on one PostgreSQL server under steady load, while the server hangs (SIGSTOP of the
 * postmaster and all its processes, 15 s) and later restarts ({@code pg_ctl restart -m fast}, back within a second):
 * every exchange a client got a 200 for is in the database, and no replica counted one as lost. Requests that arrive
 * while the server cannot answer get their 503; an answered exchange's final write waits for the server (retried
 * within the lease's time, its conversation kept), and one whose commit may or may not have landed is looked up,
 * never written twice.
 */
class PostgresOutageIT {

    private static final Duration FREEZE = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    record Answered(String conversation, String question) {
    }

    @Test
    void aFrozenThenRestartedServerLosesNoAcknowledgedExchange() throws Exception {
        try (PostgresServer server = PostgresServer.startNew(); FakeAnthropic anthropic = FakeAnthropic.start()) {
            PostgresServer.Database database = server.newDatabase();
            anthropic.respondWith(request -> {
                FakeAnthropic.Behaviour.Reply echo = (FakeAnthropic.Behaviour.Reply) FakeAnthropic.echo(request);
                return new FakeAnthropic.Behaviour.Reply(echo.pieces(), echo.stopReason(), echo.inputTokens(),
                                                         echo.outputTokens(), Duration.ofMillis(10));
            });
            Map<String, String> env = new HashMap<>(database.env());
            env.put("ANTHROPIC_API_KEY", FakeAnthropic.API_KEY);
            env.put("ANTHROPIC_BASE_URL", anthropic.baseUrl());
            HaiaProcess a = HaiaProcess.startJar(Files.createDirectories(dir.resolve("a")), env);
            try (a; HaiaProcess b = HaiaProcess.startJar(Files.createDirectories(dir.resolve("b")), env)) {
                ConcurrentLinkedQueue<Answered> answered = new ConcurrentLinkedQueue<>();
                AtomicInteger requests = new AtomicInteger();
                AtomicBoolean running = new AtomicBoolean(true);
                List<Thread> clients = new ArrayList<>();
                for (int c = 0; c < 8; c++) {
                    // each replica's own conversations, and two that both replicas take turns on
                    String conversation = c < 6 ? "own-" + c : "shared-" + c;
                    List<HaiaProcess> replicas = c < 6 ? List.of(c % 2 == 0 ? a : b) : List.of(a, b);
                    clients.add(Thread.ofVirtual().start(() -> {
                        for (int m = 0; running.get() && m < 100_000; m++) {
                            HaiaProcess replica = replicas.get(m % replicas.size());
                            requests.incrementAndGet();
                            chat(replica, conversation, conversation + " q" + m, m % 3 == 0, answered);
                        }
                    }));
                }
                try {
                    Thread.sleep(3000);
                    server.freeze();
                    Thread.sleep(FREEZE.toMillis());
                    server.thaw();
                    Thread.sleep(3000);
                    server.restart();
                    Thread.sleep(4000);
                } finally {
                    server.thaw();   // whatever happened, never leave a stopped server behind
                    running.set(false);
                }
                for (Thread client : clients) {
                    assertTrue(client.join(Duration.ofSeconds(120)), "a client did not finish");
                }
                Set<String> stored = storedQuestions(database);
                List<Answered> lost = answered.stream().filter(x -> !stored.contains(x.question())).toList();
                double countedLost = lostCount(a) + lostCount(b);
                long waitedFor = a.log().lines().filter(l -> l.contains("An exchange's write succeeded")).count()
                        + b.log().lines().filter(l -> l.contains("An exchange's write succeeded")).count();
                System.out.printf("PostgresOutageIT: %d requests, %d answered 200, %d of them not stored, %.0f counted"
                                          + " lost by the replicas, %d writes that waited for the server%n",
                                  requests.get(), answered.size(), lost.size(), countedLost, waitedFor);
                assertTrue(answered.size() > 50, "enough load: " + answered.size());
                assertEquals(List.of(), lost, "acknowledged exchanges missing from the database");
                assertEquals(0.0, countedLost, "haia_exchanges_lost_total");
                assertEquals(List.of(), duplicates(database), "an exchange written twice");
            }
        }
    }

    private static void chat(HaiaProcess replica, String conversation, String question, boolean stream,
                             ConcurrentLinkedQueue<Answered> answered) {
        HaiaProcess.ChatAnswer answer = replica.chat(conversation, question, stream, Duration.ofSeconds(90));
        if (answer.whole()) {
            answered.add(new Answered(conversation, question));
        } else if (answer.status() == 503) {
            try {
                Thread.sleep(200);   // the database is away: as a client backs off
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static Set<String> storedQuestions(PostgresServer.Database database) throws Exception {
        Set<String> questions = new HashSet<>();
        try (Connection c = database.connect(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT content FROM messages WHERE role = 'user' AND status = 'ok'")) {
            while (rows.next()) {
                questions.add(rows.getString(1));
            }
        }
        return questions;
    }

    /** Questions stored more than once as answered (a retried commit that had landed after all). */
    private static List<String> duplicates(PostgresServer.Database database) throws Exception {
        List<String> twice = new ArrayList<>();
        try (Connection c = database.connect(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT content FROM messages WHERE role = 'user' AND status = 'ok'"
                                                     + " GROUP BY content HAVING count(*) > 1")) {
            while (rows.next()) {
                twice.add(rows.getString(1));
            }
        }
        return twice;
    }

    private static double lostCount(HaiaProcess replica) {
        return Scrape.parse(Http.get(replica.uri("/metrics")).body())
                .value("haia_exchanges_lost_total", "reply", "answered");
    }
}
