/**
 * HAIA's memory: conversations, their messages and pictures, the usage ledger, and the watch's findings, in SQLite
 * or PostgreSQL through Helidon's DbClient.
 *
 * <h2>How the store is organised</h2>
 * <ul>
 *     <li>{@link haia.store.ConversationStore} opens the database (a {@link haia.store.Dialect}: SQLite or
 *     PostgreSQL; migrations; the one {@link haia.store.Writer}; leases across replicas) and is the wiring point:
 *     it builds the parts below and hands them out. Callers ask it for the part they use
 *     ({@code store.windows()}, {@code store.exchanges()}, ...) and depend on that part only.</li>
 *     <li>Each part is a small class over the same {@code Database} (dialect, connection pool, writer, clock), with
 *     the SQL of one concern and its own test class, run on both databases:
 *     <ul>
 *         <li>{@link haia.store.WindowReads}: the reads of the request path (which conversation, its live branch,
 *         the context window, its pictures);</li>
 *         <li>{@link haia.store.Exchanges}: the write of the request path (one exchange in one transaction);</li>
 *         <li>{@link haia.store.ConversationQueries}: the conversation API's queries;</li>
 *         <li>{@link haia.store.Ledger}: the usage ledger of billed model calls;</li>
 *         <li>{@link haia.store.FindingStore}: the watch's findings and their investigations;</li>
 *         <li>{@link haia.store.ResponseStore}: the Responses API's stored responses, each an exchange of a
 *         conversation (its row written by {@code Exchanges} in the exchange's transaction);</li>
 *         <li>{@link haia.store.MessageSearch}: full-text search of every stored message;</li>
 *         <li>{@link haia.store.Notes}: what HAIA should always know, per owner.</li>
 *     </ul></li>
 *     <li>A new concern is a new part: a class extending
 *     {@code StorePart} (which gives it {@code read}, {@code write}, the row readers and the shared schema facts),
 *     constructed with the store's {@code Database} in {@code ConversationStore}'s constructor, exposed by an
 *     accessor, with its tables in a new migration for both dialects ({@link haia.store.Migrations}) and its test
 *     class extending {@code StoreTestCase}. What differs between the databases stays in the {@code Dialect}; the
 *     parts' SQL is the same for both.</li>
 * </ul>
 *
 * <p>Rules every part keeps: reads run on pooled connections, in parallel; each write is one short transaction
 * through the {@code Writer} (SQLite has one writer); no connection is held while a model call runs; text is
 * stored byte-exactly ({@link haia.store.Dialect#encode}); a failure is a {@link haia.store.StoreException} saying
 * what was being done.
 */
package haia.store;
