"""Segmentation: paragraph conventions, broken numbers, sentences, and rebuilding."""

from __future__ import annotations

from pathlib import Path

import pytest

from seedclean import normalize
from seedclean.text import segment
from seedclean.text.segment import Segment, detect_mode, join, repair_broken_numbers, split, split_with_mode

SEEDS = Path(__file__).parent.parent / "seeds"


def unwrapped(text: str) -> list[Segment]:
    """The units auto makes of a document of lines without blank lines that is not short
    (``segment._short_document``): its lines, hard-wrapped ones joined back (``_unwrap``)."""
    return segment._unwrap(segment._split_on(text, segment._LINE))


def _seed(prefix: str) -> str:
    (path,) = SEEDS.glob(prefix + "_*.txt")
    return normalize(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("prefix, mode", [("000", "line"), ("001", "blank"), ("002", "line"), ("003", "blank")])
def test_detect_mode_on_seeds(prefix: str, mode: str) -> None:
    assert detect_mode(_seed(prefix)) == mode


def test_seed_002_broken_number_is_joined() -> None:
    text = _seed("002")
    assert "cấp 1.\n000 học bổng" in text
    fixed, n = repair_broken_numbers(text)
    assert n == 1
    assert "cấp 1.000 học bổng" in fixed
    assert len(split(fixed)) == len(text.rstrip("\n").split("\n")) - 1


@pytest.mark.parametrize(
    "text",
    [
        "Năm 2023.\n000 không phải số",  # 4 digits before: not a thousands group
        "Điểm 1.\n0001 là mã",  # four digits after
        "Mục 1.\n000 Hà Nội",  # next line starts a capitalised sentence
        "Giá 1,5.\n000 đồng",  # the group before already has a separator
    ],
)
def test_ambiguous_breaks_are_left(text: str) -> None:
    assert repair_broken_numbers(text) == (text, 0)


def test_blank_and_line_split_and_join_round_trip() -> None:
    text = "Một.\n\nHai\nvẫn hai.\n\n\nBa."
    segs = split(text, "blank")
    assert [s.text for s in segs] == ["Một.", "Hai\nvẫn hai.", "Ba."]
    assert join(segs, "") == text
    assert join([segs[1], segs[2]], "\n") == "Hai\nvẫn hai.\n\n\nBa.\n"
    lines = split("a\n b\n c", "line")
    assert [s.text for s in lines] == ["a", " b", " c"]
    assert join(lines[1:], "") == " b\n c"


def test_sentences_respect_abbreviations() -> None:
    text = "Giữa Hà Nội, Tp. Hồ Chí Minh và Moscow. Hai bên ký kết! Còn ThS. Lan thì sao? Xong."
    got = [s.text for s in split(text, "blank", "sentence")]
    assert got == [
        "Giữa Hà Nội, Tp. Hồ Chí Minh và Moscow.",
        "Hai bên ký kết!",
        "Còn ThS. Lan thì sao?",
        "Xong.",
    ]


def test_sentences_end_at_a_line_break_after_a_full_stop() -> None:
    # a paragraph of several lines (blank-line mode) was one "sentence" when a line ended in a
    # full stop: only spaces counted as the gap between sentences
    text = "Câu một ở đây.\nCâu hai ở đây. \nCâu ba ở đây.\n\nĐoạn sau."
    got = split(text, "auto", "sentence")
    assert [(s.prefix, s.text) for s in got] == [
        ("", "Câu một ở đây."),
        ("\n", "Câu hai ở đây."),
        (" \n", "Câu ba ở đây."),
        ("\n\n", "Đoạn sau."),
    ]
    assert join(got, "") == text
    # not after an abbreviation, nor before a lower-case continuation
    assert len(split("Tp.\nHà Nội đẹp.", "blank", "sentence")) == 1
    assert len(split("Ông nói.\nvà đi.", "blank", "sentence")) == 1


def test_bad_mode_raises() -> None:
    with pytest.raises(ValueError, match="segmentation mode"):
        split("x", "paragraphs")
    assert split("   \n\n ", "blank") == []
    assert Segment("x").prefix == ""


def test_auto_keeps_a_hard_wrapped_line_with_the_line_it_continues() -> None:
    # issue 16: man pages and help text wrap a paragraph at a fixed width; auto segmentation
    # used to make each piece its own unit
    text = (
        "Nếu miếng vá được áp dụng sạch sẽ, khúc đã sửa sẽ ngay lập tức\n"
        "được đánh dấu để áp dụng.\n"
        "Dòng thứ hai là một đoạn riêng.\n"
        "Dòng ba."
    )
    units = [s.text for s in unwrapped(text)]
    assert units == [
        "Nếu miếng vá được áp dụng sạch sẽ, khúc đã sửa sẽ ngay lập tức\nđược đánh dấu để áp dụng.",
        "Dòng thứ hai là một đoạn riêng.",
        "Dòng ba.",
    ]
    assert join(unwrapped(text), trailer="") == text  # written back with its own line break
    assert len(split(text, "line")) == 4  # an explicit line mode still means one unit per line


def test_auto_keeps_a_list_wrapped_after_a_comma_together_but_not_a_numbered_list() -> None:
    # real text (GIMP): one line of a number series in one catalogue, wrapped after "9," in another
    wrapped = "n, 1, 2, n-1, n-2, 3, 4, n-3, n-4, 5, 6, n-5, n-6, 7, 8, n-7, n-8, 9,\n10, n-9, n-10, 11, 12, n-11…"
    assert [s.text for s in unwrapped(wrapped)] == [wrapped]
    numbered = "Các bước:\n1. Mở tệp\n2. Lưu tệp"  # a number after a line ending "tệp" or ":" starts one
    assert [s.text for s in unwrapped(numbered)] == ["Các bước:", "1. Mở tệp", "2. Lưu tệp"]


def test_auto_joins_a_paragraph_wrapped_at_a_fixed_width_whatever_its_lines_start_with() -> None:
    # real text (Ekiga help) wrapped at 60 columns: two breaks fall after a full stop or before a
    # capital, which the punctuation rule alone takes for paragraph ends
    text = (
        "Để có thể xem, người nhận phải cài đặt bộ giải mã (codec)\n"
        "cần thiết. Bộ giải mã là phần mềm biết cách đọc phim và hiện\n"
        "lên màn hình. Có nhiều định dạng phim khác nhau và mỗi định\n"
        "dạng cần có bộ giải mã riêng. Để kiểm tra định dạng phim:"
    )
    assert [s.text for s in unwrapped(text)] == [text]
    ended = "Dòng này đủ dài để làm chuẩn cho chiều rộng, và hết câu.\nBa.\nMột dòng mới bắt đầu ở đây."
    # "hết câu." is the widest line, so its break looks forced; after "Ba." the next line's
    # first word would have fitted: one of two breaks forced is not most, so not wrapped
    assert [s.text for s in unwrapped(ended)] == ended.split("\n")


def test_auto_does_not_join_lists_or_short_lines_by_width() -> None:
    menu = "Click\nGo\nForward"  # narrower than any wrap width
    assert len(unwrapped(menu)) == 3
    prompt = (  # git's prompt help: one item per line, of uneven width
        "y - áp dụng khúc này vào cây làm việc\n"
        "n - đừng áp dụng khúc vào cây làm việc\n"
        "q - thoát; đừng áp dụng khúc này cũng như bất kỳ cái nào còn lại\n"
        "a - áp dụng khúc này và tất cả các khúc sau này trong tập tin\n"
        "d - đừng áp dụng khúc này cũng như bất kỳ cái nào sau này trong tập tin"
    )
    assert len(unwrapped(prompt)) == 5  # "n - đừng" starts in lower case but opens an item
    options = "Dùng các tùy chọn sau đây để điều khiển cách chương trình chạy\n-v, --verbose in thêm"
    assert len(unwrapped(options)) == 2  # a forced break before an option line opens the option


def test_auto_joins_a_forced_break_that_lands_before_an_option_mid_sentence() -> None:
    # real text (coreutils, grub): wrapped at a fixed width, a line happens to start with an
    # option; the line before ends mid-sentence, so the break is a wrap, not a new item
    chown = (
        "Những tùy chọn sau sửa đổi cách đi qua cây thư mục khi có tùy chọn\n"
        "-R. cũng được chỉ định. Nếu chỉ ra hơn một tùy chọn, thì chỉ tùy chọn\n"
        "cuối có hiệu lực."
    )
    assert [s.text for s in split(chown)] == [chown]
    grub = (
        "Tạo ảnh CD/USB/đĩa-mềm có thể khởi động được. Các đối số khác tùy chọn\n"
        "chương trình này được chuyển qua cho xorriso, và cho biết các tập tin nguồn,\n"
        "thư mục nguồn hay bất kỳ tùy chọn mkisofs nào được liệt kê bởi lệnh “xorriso\n"
        "-as mkisofs -help”."
    )
    assert [s.text for s in split(grub)] == [grub]


def test_auto_joins_a_two_line_paragraph_wrapped_before_an_option() -> None:
    # real text (coreutils chcon, git repack): the only break of the record lands before an
    # option mid-sentence; with one break a pair of commands or a heading and a bullet look alike,
    # so only an option that is not being defined ("-v, --verbose", "--x  description") joins
    for wrapped in (
        "Thay đổi ngữ cảnh bảo mật của từng TẬP_TIN thành NGỮ_CẢNH. Khi có\n"
        "--reference, ngữ cảnh bảo mật cho từng TẬP_TIN được lấy từ TẬP_TIN_TC.",
        "Gia tăng các repack là không tương thích với chỉ mục bitmap. Dùng\n"
        "--no-write-bitmap-index hay tắt cấu hình pack.writeBitmaps.",
        "Không đường dẫn với các tùy chọn\n--include/--only không hợp lý.",
    ):
        assert [s.text for s in unwrapped(wrapped)] == [wrapped]
    bullet = (
        "không thể nhúng được, nhưng mà chức năng được yêu cầu khi cài đặt cross-disk\n"
        "* cross-disk: thư mục /boot ở trên một đĩa nhưng MBR lại trên một cái khác"
    )
    assert len(unwrapped(bullet)) == 2
    defined = "Dùng các tùy chọn sau đây để điều khiển cách chương trình chạy\n--quiet    không in gì"
    assert len(unwrapped(defined)) == 2


def test_auto_keeps_a_placeholder_line_with_the_message_above_it() -> None:
    # real catalogue messages: the argument on its own line belongs to the line above, whatever
    # that line ends with; alone, "%1" would be an exact copy of every other such line
    for message in ("Không thể mở\n%1", "Lỗi được báo là:\n%1", "Lỗi truy cập %s: \n%s.", "Tệp\n%(name)s", "a\n{0}."):
        assert [s.text for s in unwrapped(message)] == [message]
    assert [s.text for s in unwrapped("Không thể mở\n%1\nThử lại sau.")] == ["Không thể mở\n%1", "Thử lại sau."]
    assert [s.text for s in unwrapped("Giá: 50%\n100% miễn phí")] == ["Giá: 50%", "100% miễn phí"]


def test_auto_keeps_option_lists_and_command_pairs_apart_even_when_their_breaks_look_forced() -> None:
    # an option list's items are indented; two lines are too few to tell a wrap from two items
    indented = (
        "Các tùy chọn sau đây điều khiển cách chương trình sao chép tập tin\n"
        "      --strip-trailing-slashes  xóa mọi dấu gạch chéo ở cuối mỗi đối số\n"
        "  -S, --suffix=HẬU_TỐ          ghi đè lên HẬU_TỐ thông thường của bản sao\n"
        "  -t, --target-directory=THƯ_MỤC  sao chép mọi đối số vào THƯ_MỤC đích"
    )
    assert len(unwrapped(indented)) == 4
    commands = "$ dconf read /org/mate/desktop/interface/enable-animations\n$ gsettings get org.mate.interface x"
    assert len(unwrapped(commands)) == 2
    ended = "Dòng này đủ dài để làm chuẩn cho chiều rộng của cả đoạn văn bản:\n-v in thêm thông tin\n-q im lặng"
    assert len(unwrapped(ended)) == 3  # a line ending in ":" opens the list that follows


def test_auto_keeps_one_sentence_per_line_documents_line_by_line() -> None:
    # news written one sentence per line, lines of 30-100 characters: only the widest line's
    # break looks forced, which is not most of them
    text = (
        "Sáng nay, Hà Nội đón đợt không khí lạnh đầu tiên của mùa đông năm nay.\n"
        "Nhiệt độ thấp nhất ở vùng núi có thể xuống dưới 10 độ.\n"
        "Người dân được khuyến cáo giữ ấm cho trẻ nhỏ và người già.\n"
        "Các trường học vẫn mở cửa bình thường."
    )
    assert [s.text for s in unwrapped(text)] == text.split("\n")


def test_auto_keeps_a_short_document_of_narrow_lines_whole() -> None:
    # issue 16, real catalogue messages: as lines, "Lỗi nội bộ ở máy chủ" / "%1" or a message
    # whose every line is also a record elsewhere was emptied line by line
    for short in (
        "Lỗi nội bộ ở máy chủ\n%1",
        "Sáng nay, Hà Nội đón đợt không khí lạnh đầu tiên.\nNhiệt độ thấp nhất có thể xuống dưới 10 độ.",
        "y - áp dụng khúc này\nn - đừng áp dụng khúc này\nq - thoát",
    ):
        assert [s.text for s in split(short)] == [short]
        assert join(split(short), trailer="") == short  # written back with its own line breaks
    # sentences still come from each line
    assert [s.text for s in split("Câu một đây. Câu hai đây.\nCâu ba đây.", granularity="sentence")] == [
        "Câu một đây.",
        "Câu hai đây.",
        "Câu ba đây.",
    ]
    # not short: a repeated line (a copy within the document is still found), more than ten
    # lines, a line wider than any wrap; nor with an explicit mode
    repeated = "Xin chào các bạn.\nHôm nay trời đẹp.\nXin chào các bạn."
    assert [s.text for s in split(repeated)] == repeated.split("\n")
    eleven = "\n".join(f"Dòng số {i} là một câu riêng." for i in range(11))
    assert len(split(eleven)) == 11 and len(split(eleven.rsplit("\n", 1)[0])) == 1
    wide = "Một dòng ngắn.\n" + "Một đoạn văn dài " * 7 + "kết thúc."
    assert len(split(wide)) == 2
    assert len(split("Lỗi nội bộ ở máy chủ\nKhông thể kết nối", "line")) == 2


def test_the_mode_reported_is_the_one_the_document_was_split_by() -> None:
    # documents.parquet's mode column: a short document kept whole said "line" (what the
    # detection saw), although its lines were never split
    from seedclean import dedup

    short = "Lỗi nội bộ ở máy chủ\nKhông thể kết nối"
    listed = "\n".join(f"Dòng số {i} là một câu riêng." for i in range(11))
    assert split_with_mode(short) == ([Segment(short, "")], "whole")
    assert split_with_mode(listed)[1] == "line"
    assert split_with_mode("Một.\n\nHai.")[1] == "blank"
    assert split_with_mode(short, "line")[1] == "line"
    assert split_with_mode(short, granularity="sentence")[1] == "line"  # sentences come from each line
    assert split_with_mode(short, granularity="document")[1] == "document"
    texts = [short, listed, "Một dòng.", "Một.\n\nHai."]
    assert dedup(texts).documents.modes == ["whole", "line", "blank", "blank"]
    assert dedup(texts, granularity="document").documents.modes == ["document"] * 4
    assert dedup(texts, granularity="line").documents.modes == ["line"] * 4


def test_a_short_record_is_not_emptied_by_copies_of_its_lines() -> None:
    from seedclean import dedup

    records = [
        "Lỗi nội bộ ở máy chủ",
        "Không thể kết nối tới máy chủ",
        "Lỗi nội bộ ở máy chủ\nKhông thể kết nối tới máy chủ",
    ]
    assert list(dedup(records)) == records
    assert list(dedup([*records, records[2]])) == records  # a copy of the whole record still goes
