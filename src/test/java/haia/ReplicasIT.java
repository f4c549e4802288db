package haia;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;

import haia.testing.FakeAnthropic;
import haia.testing.HaiaProcess;
import haia.testing.PostgresServer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two HAIA processes (the real jar) on one PostgreSQL database, as behind a load balancer: concurrent chats on the
 * same and on different conversations through both replicas keep every exchange whole and in order, and every
 * request sees the exchange before it; a conversation continues from one replica on the other; and killing one
 * replica with SIGKILL under load loses no exchange that was answered.
 */
class ReplicasIT {

    @TempDir
    Path dir;

    /** An exchange a client got a complete answer for. */
    record Answered(String conversation, String question) {
    }

    @Test
    void twoReplicasOnOneDatabaseKeepConversationsWholeInOrderAndSurviveAKill9() throws Exception {
        PostgresServer.Database database = PostgresServer.shared().newDatabase();
        try (FakeAnthropic anthropic = FakeAnthropic.start()) {
            // the echo, slowly enough that requests overlap while the "model" answers
            anthropic.respondWith(request -> {
                FakeAnthropic.Behaviour.Reply echo = (FakeAnthropic.Behaviour.Reply) FakeAnthropic.echo(request);
                return new FakeAnthropic.Behaviour.Reply(echo.pieces(), echo.stopReason(), echo.inputTokens(),
                                                         echo.outputTokens(), Duration.ofMillis(15));
            });
            Map<String, String> env = new HashMap<>(database.env());
            env.put("ANTHROPIC_API_KEY", FakeAnthropic.API_KEY);
            env.put("ANTHROPIC_BASE_URL", anthropic.baseUrl());
            env.put("HAIA_CONTEXT_WINDOW", "1000");    // the whole conversation goes to the model: checkable
            env.put("HAIA_DB_LEASE_TTL", "3s");        // a killed replica's conversations free up quickly
            HaiaProcess a = HaiaProcess.startJar(Files.createDirectories(dir.resolve("a")), env);
            try (a; HaiaProcess b = HaiaProcess.startJar(Files.createDirectories(dir.resolve("b")), env)) {
                ConcurrentLinkedQueue<Answered> answered = new ConcurrentLinkedQueue<>();

                // a conversation started on one replica continues on the other
                chat(a, "handoff", "first, on replica a", false, answered);
                chat(b, "handoff", "then on replica b", true, answered);
                JsonNode sent = anthropic.lastRequest().body().path("messages");
                assertEquals("first, on replica a", sent.get(0).path("content").asText(), sent.toString());
                assertEquals(3, sent.size(), sent.toString());

                // concurrent load: shared conversations through both replicas, and one of each replica's own
                List<Thread> clients = new ArrayList<>();
                AtomicBoolean failed = new AtomicBoolean();
                for (int c = 0; c < 3; c++) {
                    for (HaiaProcess replica : List.of(a, b)) {
                        clients.add(client(replica, "shared-" + c, 8, failed, answered));
                    }
                }
                clients.add(client(a, "own-a", 8, failed, answered));
                clients.add(client(b, "own-b", 8, failed, answered));
                for (Thread client : clients) {
                    assertTrue(client.join(Duration.ofSeconds(120)), "a client did not finish");
                }
                assertTrue(!failed.get(), "every request answered 200");
                assertEquals(2 + 8 * 8, answered.size());
                checkConversations(database, anthropic, answered);

                // SIGKILL one replica under load on shared conversations
                AtomicBoolean running = new AtomicBoolean(true);
                ConcurrentLinkedQueue<Answered> beforeKill = new ConcurrentLinkedQueue<>();
                List<Thread> load = new ArrayList<>();
                for (int c = 0; c < 4; c++) {
                    for (HaiaProcess replica : List.of(a, b)) {
                        String conversation = "kill-" + c;
                        load.add(Thread.ofVirtual().start(() -> {
                            for (int m = 0; running.get() && m < 500; m++) {
                                if (!chat(replica, conversation, conversation + " q" + m + " via " + replica.uri("/").getPort(),
                                          m % 2 == 0, beforeKill)) {
                                    if (!replica.process().isAlive()) {
                                        return;   // the killed replica's clients stop
                                    }
                                }
                            }
                        }));
                    }
                }
                Thread.sleep(2000);
                a.kill();
                Thread.sleep(4000);   // b goes on; conversations a held free up after the lease TTL
                running.set(false);
                for (Thread client : load) {
                    assertTrue(client.join(Duration.ofSeconds(60)), "a load client did not finish");
                }
                assertTrue(beforeKill.size() > 20, "enough load: " + beforeKill.size());
                answered.addAll(beforeKill);

                // and the conversations go on through the survivor, each with all of its history
                for (int c = 0; c < 4; c++) {
                    assertTrue(chat(b, "kill-" + c, "after the kill " + c, false, answered), "kill-" + c);
                }
                checkConversations(database, anthropic, answered);
                assertEquals(List.of(), anthropic.violations());
            }
        }
    }

    private static Thread client(HaiaProcess replica, String conversation, int requests, AtomicBoolean failed,
                                 ConcurrentLinkedQueue<Answered> answered) {
        return Thread.ofVirtual().start(() -> {
            for (int m = 0; m < requests; m++) {
                String question = "q" + m + " from " + replica.uri("/").getPort() + " on " + conversation;
                if (!chat(replica, conversation, question, m % 2 == 1, answered)) {
                    failed.set(true);
                }
            }
        });
    }

    /** One chat request; records it as answered when it came back whole. */
    private static boolean chat(HaiaProcess replica, String conversation, String question, boolean stream,
                                ConcurrentLinkedQueue<Answered> answered) {
        boolean whole = replica.chat(conversation, question, stream, Duration.ofSeconds(30)).whole();
        if (whole) {
            answered.add(new Answered(conversation, question));
        }
        return whole;
    }

    /**
     * Straight from the database: each conversation's live branch is user, assistant, user, ... with every reply the
     * answer to the question before it; every answered exchange is there; and every request the model received
     * carried exactly the conversation as stored before its question: the previous exchange was always in it.
     */
    private static void checkConversations(PostgresServer.Database database, FakeAnthropic anthropic,
                                           ConcurrentLinkedQueue<Answered> answered) throws Exception {
        Map<String, List<String[]>> branches = new LinkedHashMap<>();
        try (Connection c = database.connect(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT k.external_key, m.role, m.content FROM messages m"
                     + " JOIN conversations k ON k.id = m.conversation_id WHERE m.status IN ('ok', 'imported')"
                     + " ORDER BY k.id, m.id")) {
            while (rows.next()) {
                branches.computeIfAbsent(rows.getString(1), k -> new ArrayList<>())
                        .add(new String[] {rows.getString(2), rows.getString(3)});
            }
        }
        for (Map.Entry<String, List<String[]>> branch : branches.entrySet()) {
            List<String[]> messages = branch.getValue();
            assertEquals(0, messages.size() % 2, branch.getKey() + " ends with a dangling user turn");
            for (int i = 0; i < messages.size(); i += 2) {
                assertEquals("user", messages.get(i)[0], branch.getKey() + " at " + i);
                assertEquals("assistant", messages.get(i + 1)[0], branch.getKey() + " at " + (i + 1));
                assertEquals("Echo: " + messages.get(i)[1], messages.get(i + 1)[1], branch.getKey() + ": reply of another question");
            }
        }
        for (Answered a : answered) {
            List<String[]> messages = branches.getOrDefault(a.conversation(), List.of());
            assertTrue(messages.stream().anyMatch(m -> m[0].equals("user") && m[1].equals(a.question())),
                       "answered exchange missing: " + a);
        }
        int checked = 0;
        for (FakeAnthropic.Received request : anthropic.requests()) {
            String question = request.lastUserText();
            JsonNode sent = request.body().path("messages");
            for (List<String[]> messages : branches.values()) {
                int at = indexOfQuestion(messages, question);
                if (at < 0) {
                    continue;
                }
                assertEquals(at + 1, sent.size(), "request for '" + question + "' did not carry the conversation so far");
                for (int i = 0; i < at; i++) {
                    assertEquals(messages.get(i)[1], sent.get(i).path("content").asText(), "'" + question + "' at " + i);
                }
                checked++;
            }
        }
        assertTrue(checked >= answered.size(), "every answered request's window checked: " + checked);
    }

    private static int indexOfQuestion(List<String[]> messages, String question) {
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i)[0].equals("user") && messages.get(i)[1].equals(question)) {
                return i;
            }
        }
        return -1;
    }
}
