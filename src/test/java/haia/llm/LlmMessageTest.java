package haia.llm;

import java.net.URI;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** A message's parts by kind, and its pictures wherever they are. */
class LlmMessageTest {

    private static final Part.Image PNG = new Part.Image(new Part.Image.Inline("image/png", new byte[] {1}));
    private static final Part.Image URL = new Part.Image(new Part.Image.Url(URI.create("https://example.org/a.png")));
    private static final Part.Image JPEG = new Part.Image(new Part.Image.Inline("image/jpeg", new byte[] {2}));

    @Test
    void picturesAreItsOwnThenThoseInItsToolResultsInOrder() {
        LlmMessage message = new LlmMessage(LlmMessage.Role.USER, List.of(
                new Part.ToolResult("c1", "screenshot", List.of(new Part.Text("here"), URL), false),
                PNG,
                new Part.ToolResult("c2", "camera", List.of(JPEG), false),
                new Part.Text("what do you see?")));
        assertEquals(List.of(PNG, URL, JPEG), message.pictures());
        assertEquals(List.of(PNG), message.parts(Part.Image.class));
        assertEquals(2, message.parts(Part.ToolResult.class).size());
    }

    @Test
    void aMessageWithoutPicturesHasNone() {
        LlmMessage text = LlmMessage.user("hello");
        assertSame(List.of(), text.pictures());
        assertSame(List.of(), text.parts(Part.ToolCall.class));
        LlmMessage result = new LlmMessage(LlmMessage.Role.USER,
                                           List.of(new Part.ToolResult("c1", "uptime", List.of(new Part.Text("3 days")),
                                                                       false)));
        assertEquals(List.of(), result.pictures());
    }
}
