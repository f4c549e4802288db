package haia.json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;

/**
 * Jackson set up for virtual threads. By default Jackson keeps its parsing and writing buffers per thread; with a
 * virtual thread per request (and per stream) that means fresh buffers for every request, held for as long as a
 * stream lives. A shared pool lets thousands of concurrent streams reuse a few.
 */
public final class Jackson {

    private Jackson() {
    }

    /**
     * A new factory drawing buffers from the shared pool. One per user: an ObjectMapper claims its factory (as the
     * factory's codec), so mappers must not share one.
     */
    public static JsonFactory factory() {
        return builder().build();
    }

    /** A factory with the shared pool and stricter read limits, for bodies from clients. */
    public static JsonFactory factory(StreamReadConstraints constraints) {
        return builder().streamReadConstraints(constraints).build();
    }

    private static JsonFactoryBuilder builder() {
        return new JsonFactoryBuilder()
                .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
                // emoji and other non-BMP characters as plain UTF-8, not as escaped surrogate pairs
                .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8);
    }

    /**
     * The mapper of HAIA's own API (conversations, usage, memory): snake_case names, {@code Optional}s, ISO-8601
     * instants, decimals as written ({@code 0.0000125}, not {@code 1.25E-5}).
     */
    public static com.fasterxml.jackson.databind.ObjectMapper apiMapper() {
        return com.fasterxml.jackson.databind.json.JsonMapper.builder(factory())
                .propertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE)
                .addModule(new com.fasterxml.jackson.datatype.jdk8.Jdk8Module())
                .addModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
                .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .enable(com.fasterxml.jackson.core.StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
                .build();
    }

    /** Writes one JSON document with a generator (HAIA writes its wire formats field by field, without DTOs). */
    @FunctionalInterface
    public interface Document {
        void write(JsonGenerator generator) throws IOException;
    }

    /** The bytes of one document written by {@code document}. */
    public static byte[] write(JsonFactory factory, int sizeHint, Document document) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(sizeHint);
        try (JsonGenerator generator = factory.createGenerator(out)) {
            document.write(generator);
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory cannot fail", e);
        }
        return out.toByteArray();
    }
}
