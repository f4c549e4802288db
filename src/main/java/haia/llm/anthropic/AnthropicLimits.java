package haia.llm.anthropic;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import haia.llm.ImageFormats;
import haia.llm.LlmMessage;
import haia.llm.LlmRequest;
import haia.llm.Part;
import haia.llm.RequestProblem;

/**
 * The pictures Claude's Messages API takes in one request, checked before calling it so the client gets a 400
 * saying what to do rather than the API's error: at most {@value #MAX_PICTURES}, each at most {@value #MAX_SIDE} px
 * a side, and at most {@value #MAX_SIDE_MANY} px a side when there are more than {@value #MANY} (Anthropic's
 * vision documentation; the API answers "image dimensions exceed max allowed size for many-image requests: 2000
 * pixels"). A picture's size is what its header claims. Pictures given by URL are fetched by Anthropic, which
 * checks their size itself; they count towards the number.
 */
final class AnthropicLimits {

    static final int MAX_PICTURES = 100;
    static final int MAX_SIDE = 8000;
    static final int MANY = 20;
    static final int MAX_SIDE_MANY = 2000;

    private AnthropicLimits() {
    }

    static Optional<RequestProblem> pictures(LlmRequest request) {
        List<Part.Image> pictures = new ArrayList<>();
        for (LlmMessage message : request.messages()) {
            pictures.addAll(message.pictures());
        }
        if (pictures.size() > MAX_PICTURES) {
            return Optional.of(new RequestProblem("messages", "this request shows Claude " + pictures.size()
                    + " pictures; Claude takes at most " + MAX_PICTURES + " per request: send fewer"));
        }
        int maxSide = pictures.size() > MANY ? MAX_SIDE_MANY : MAX_SIDE;
        for (Part.Image picture : pictures) {
            if (!(picture.source() instanceof Part.Image.Inline inline)) {
                continue;
            }
            Optional<ImageFormats.Size> size = ImageFormats.size(inline.data());
            if (size.isPresent() && size.get().longest() > maxSide) {
                return Optional.of(new RequestProblem("messages", "a picture of " + size.get() + " is larger than"
                        + " Claude takes: at most " + maxSide + " px a side" + (maxSide == MAX_SIDE_MANY
                        ? " when a request shows more than " + MANY + " pictures (this one shows "
                        + pictures.size() + ")" : "") + ". Scale it down" + (maxSide == MAX_SIDE_MANY
                        ? ", or send fewer pictures" : "") + " and send it again"));
            }
        }
        return Optional.empty();
    }
}
