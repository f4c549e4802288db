package haia.llm;

import java.util.Optional;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Each provider's words for a prompt longer than the model's context, and the sizes they name. */
class ContextTooLongExceptionTest {

    @Test
    void eachProvidersWordingIsRecognisedWithItsSizes() {
        check("This model's maximum context length is 1024 tokens. However, you requested 1460 tokens (1412 in the"
                      + " messages, 48 in the completion). Please reduce the length of the messages or completion.",
              1024, 1412);   // llama.cpp's Python server, vLLM (recorded: src/test/resources/llamacpp/)
        check("This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens."
                      + " Please reduce the length of the messages.", 128000, 130512);   // OpenAI
        check("prompt is too long: 215000 tokens > 200000 maximum", 200000, 215000);   // Anthropic
        check("The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).", 1048576,
              1200000);   // Gemini
        check("Trying to keep the first 5120 tokens when context the overflows. However, the model is loaded with"
                      + " context length of only 4096 tokens, which is not enough.", 4096, -1);   // LM Studio
        check("the request exceeds the available context size, try increasing it", -1, -1);   // llama-server
    }

    @Test
    void otherFailuresStayAsTheyAre() {
        LlmException other = failure(ErrorCategory.INVALID_REQUEST, "max_tokens: 64000 > 32000");
        assertSame(other, ContextTooLongException.of(other, false));
        LlmException server = failure(ErrorCategory.UNAVAILABLE, "prompt is too long");
        assertSame(server, ContextTooLongException.of(server, true), "only a refused request is an overflow");
        assertInstanceOf(ContextTooLongException.class, ContextTooLongException.of(
                failure(ErrorCategory.INVALID_REQUEST, "bad"), true), "a provider's code says so");
    }

    private static void check(String message, int context, int prompt) {
        ContextTooLongException overflow = assertInstanceOf(ContextTooLongException.class, ContextTooLongException.of(
                failure(ErrorCategory.INVALID_REQUEST, message), false), message);
        assertEquals(context < 0 ? OptionalInt.empty() : OptionalInt.of(context), overflow.contextTokens(), message);
        assertEquals(prompt < 0 ? OptionalInt.empty() : OptionalInt.of(prompt), overflow.promptTokens(), message);
        assertEquals(ErrorCategory.CONTEXT_TOO_LONG, overflow.category());
    }

    private static LlmException failure(ErrorCategory category, String message) {
        return new LlmException(category, "p", 400, message, Optional.empty(), Optional.empty(), null);
    }
}
