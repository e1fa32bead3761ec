"""Long texts cut into the messages Telegram accepts (`bot.chat.messages.pages`, `split_lines`)."""

from __future__ import annotations

from bot.chat.messages import MESSAGE_CHARACTERS, pages, split_lines


def test_nothing_to_say_is_no_message() -> None:
    assert split_lines([]) == []
    assert pages([], lambda page, item: 1) == []


def test_lines_fill_a_message_up_to_the_limit_exactly() -> None:
    half = MESSAGE_CHARACTERS // 2
    first, second = "a" * half, "b" * (MESSAGE_CHARACTERS - half - 1)  # with the newline: the limit exactly
    assert split_lines([first, second]) == [f"{first}\n{second}"]
    assert len(split_lines([first, second])[0]) == MESSAGE_CHARACTERS
    assert split_lines([first, second + "c"]) == [first, second + "c"]  # one character more: two messages


def test_a_line_longer_than_the_limit_is_a_message_of_its_own_never_cut() -> None:
    long = "x" * (MESSAGE_CHARACTERS + 10)
    assert split_lines(["head", long, "tail", "end"]) == ["head", long, "tail\nend"]


def test_the_lines_keep_their_order_and_content() -> None:
    lines = [f"• line {number} " + "y" * (number % 97) for number in range(400)]
    messages = split_lines(lines)
    assert len(messages) > 1 and all(len(text) <= MESSAGE_CHARACTERS for text in messages)
    assert "\n".join(messages) == "\n".join(lines)


def test_a_page_counts_its_head_and_what_else_limits_it() -> None:
    """The head is counted once per page; `fits` bounds a page by something else than characters."""
    head, item = 100, MESSAGE_CHARACTERS // 10
    sizes = pages(range(25), lambda page, number: item + (0 if page else head))
    assert [len(page) for page in sizes] == [9, 9, 7]  # 100 + 9 × 380 fits in 3 800; a tenth would not
    counted = pages(range(25), lambda page, number: 1, lambda page, number: len(page) < 4)
    assert counted == [list(range(start, min(start + 4, 25))) for start in range(0, 25, 4)]
