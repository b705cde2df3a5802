"""The numba kernels behind :mod:`seedclean.fingerprint.kernels`, in a module of their own so that numba is
imported (and the kernels loaded from its disk cache) only when a kernel is first called, not
when ``seedclean`` is imported: ``seedclean --help`` stays fast."""

# mypy: ignore-errors
from __future__ import annotations

import numba
import numpy as np

_FNV_OFFSET = np.uint64(0x811C9DC5)
_FNV_PRIME = np.uint64(0x01000193)
_M32 = np.uint64(0xFFFFFFFF)


@numba.njit(cache=True, nogil=True, inline="always")
def _counts_to_starts(counts):  # pragma: no cover - compiled
    """A radix pass's digit counts turned, in place, into where each digit's run starts."""
    total = 0
    for d in range(len(counts)):
        c = counts[d]
        counts[d] = total
        total += c


@numba.njit(cache=True, nogil=True)
def sort_u32(a, scratch, counts):  # pragma: no cover - compiled
    """Sort a uint32 array in place: insertion sort when short, else an LSD radix sort
    (4 passes of 8 bits), about 3x numba's quicksort on the ~100-300 shingles of a paragraph."""
    m = len(a)
    if m < 48:
        for i in range(1, m):
            x = a[i]
            j = i - 1
            while j >= 0 and a[j] > x:
                a[j + 1] = a[j]
                j -= 1
            a[j + 1] = x
        return
    src = a
    dst = scratch[:m]
    for shift in range(0, 32, 8):
        counts[:] = 0
        for i in range(m):
            counts[(src[i] >> shift) & 255] += 1
        _counts_to_starts(counts)
        for i in range(m):
            b = (src[i] >> shift) & 255
            dst[counts[b]] = src[i]
            counts[b] += 1
        src, dst = dst, src
    # four passes: the sorted values are back in ``a``


@numba.njit(cache=True, nogil=True, inline="always")
def _decode_utf8(data, i):  # pragma: no cover - compiled
    """(code point, byte length) of the well-formed UTF-8 sequence starting at ``data[i]``."""
    b0 = data[i]
    if b0 < 0x80:
        return np.int64(b0), 1
    if b0 < 0xE0:
        return np.int64(((b0 & 0x1F) << 6) | (data[i + 1] & 0x3F)), 2
    if b0 < 0xF0:
        return np.int64(((b0 & 0x0F) << 12) | ((data[i + 1] & 0x3F) << 6) | (data[i + 2] & 0x3F)), 3
    cp = ((b0 & 0x07) << 18) | ((data[i + 1] & 0x3F) << 12) | ((data[i + 2] & 0x3F) << 6) | (data[i + 3] & 0x3F)
    return np.int64(cp), 4


@numba.njit(cache=True, nogil=True, inline="always")
def _word_char_at(data, i, end, table):  # pragma: no cover - compiled
    """(is the character at ``data[i]`` a word character, its byte length); (False, 1) at ``end``,
    so that a loop running to ``end`` inclusive closes its last word there."""
    if i >= end:
        return False, 1
    cp, length = _decode_utf8(data, i)
    return table[cp] == 1, length


@numba.njit(cache=True, nogil=True)
def word_shingles_kernel(data, bounds, table, n, words, word_bounds, hashes, slots):  # pragma: no cover - compiled
    """Sorted unique word ``n``-gram hashes of each unit (flat, offsets) and, in the same pass
    over its tokens, the unit's guard digest (as :func:`guard_profiles_kernel`; all 0 when there
    are no guard words: ``word_bounds`` of length 1)."""
    units = len(bounds) - 1
    cap = len(data) + 1
    flat = np.empty(cap, dtype=np.uint32)
    offsets = np.zeros(units + 1, dtype=np.int64)
    ring = np.zeros(max(n, 1), dtype=np.uint32)
    scratch = np.empty(cap, dtype=np.uint32)
    counts = np.empty(256, dtype=np.int64)
    n_words = len(word_bounds) - 1
    guard = np.zeros(units, dtype=np.uint64)
    found = np.zeros(n_words, dtype=np.int64)
    pos = 0
    for u in range(units):
        start = pos
        count = 0  # words seen in this unit
        slot = 0
        i = bounds[u]
        end = bounds[u + 1]
        h = np.uint64(0)
        in_word = False
        word_start = 0
        guarded = False
        while i <= end:
            is_word, length = _word_char_at(data, i, end, table)
            if is_word:
                if not in_word:
                    h = _FNV_OFFSET
                    in_word = True
                    word_start = i
                for k in range(length):
                    h = ((h ^ np.uint64(data[i + k])) * _FNV_PRIME) & _M32
            elif in_word:
                in_word = False
                if n_words > 0:
                    w = _guard_word(data, word_start, i - word_start, h, words, word_bounds, hashes, slots)
                    if w >= 0:
                        found[w] += 1
                        guarded = True
                ring[slot] = np.uint32(h)  # slot = count % n, kept without a division
                slot += 1
                if slot == n:
                    slot = 0
                count += 1
                if count >= n:  # the oldest of the last n words sits at ``slot`` now
                    s = _FNV_OFFSET
                    r = slot
                    for _k in range(n):
                        s = ((s ^ np.uint64(ring[r])) * _FNV_PRIME) & _M32
                        r += 1
                        if r == n:
                            r = 0
                    flat[pos] = np.uint32(s)
                    pos += 1
            i += length
        if pos > start:  # sort and drop repeats in place
            sort_u32(flat[start:pos], scratch, counts)
            w = start + 1
            for k in range(start + 1, pos):
                if flat[k] != flat[w - 1]:
                    flat[w] = flat[k]
                    w += 1
            pos = w
        offsets[u + 1] = pos
        if guarded:
            guard[u] = _guard_digest(found)
    return flat[:pos].copy(), offsets, guard


@numba.njit(cache=True, nogil=True)
def signatures_kernel(flat, offsets, a, b):  # pragma: no cover - compiled
    units = len(offsets) - 1
    perms = len(a)
    out = np.full((units, perms), np.uint32(0xFFFFFFFF), dtype=np.uint32)
    for u in range(units):
        for s in range(offsets[u], offsets[u + 1]):
            h = np.uint64(flat[s])
            h ^= h >> np.uint64(16)
            h = (h * np.uint64(0x85EBCA6B)) & _M32
            h ^= h >> np.uint64(13)
            h = (h * np.uint64(0xC2B2AE35)) & _M32
            h ^= h >> np.uint64(16)
            for p in range(perms):
                v = np.uint32((np.uint64(a[p]) * h + np.uint64(b[p])) & _M32)
                if v < out[u, p]:
                    out[u, p] = v
    return out


@numba.njit(cache=True, nogil=True)
def intersections_kernel(flat, offsets, left, right):  # pragma: no cover - compiled
    out = np.zeros(len(left), dtype=np.int64)
    for k in range(len(left)):
        i = offsets[left[k]]
        ie = offsets[left[k] + 1]
        j = offsets[right[k]]
        je = offsets[right[k] + 1]
        c = 0
        while i < ie and j < je:
            if flat[i] == flat[j]:
                c += 1
                i += 1
                j += 1
            elif flat[i] < flat[j]:
                i += 1
            else:
                j += 1
        out[k] = c
    return out


@numba.njit(cache=True, nogil=True)
def union_sorted_kernel(a, b):  # pragma: no cover - compiled
    out = np.empty(len(a) + len(b), dtype=np.int64)
    i = j = n = 0
    while i < len(a) or j < len(b):
        if j == len(b) or (i < len(a) and a[i] < b[j]):
            v = a[i]
            i += 1
        elif i == len(a) or b[j] < a[i]:
            v = b[j]
            j += 1
        else:
            v = a[i]
            i += 1
            j += 1
        out[n] = v
        n += 1
    return out[:n].copy()


@numba.njit(cache=True, nogil=True)
def greedy_stars_kernel(indptr, earlier):  # pragma: no cover - compiled
    n = len(indptr) - 1
    out = np.arange(n)
    via = np.full(n, -1, dtype=np.int64)
    for x in range(n):
        for k in range(indptr[x], indptr[x + 1]):
            if out[earlier[k]] == earlier[k]:
                out[x] = earlier[k]
                via[x] = k
                break
    return out, via


@numba.njit(cache=True, nogil=True)
def _known_syllable(run, n, slots, offsets, points, mask):  # pragma: no cover - compiled
    h = np.uint64(0xCBF29CE484222325)
    for k in range(n):
        h = (h ^ np.uint64(run[k])) * np.uint64(0x100000001B3)
    slot = np.int64(h & np.uint64(mask))
    while slots[slot] != 0:
        w = slots[slot] - 1
        a = offsets[w]
        if offsets[w + 1] - a == n:
            same = True
            for k in range(n):
                if points[a + k] != run[k]:
                    same = False
                    break
            if same:
                return True
        slot = (slot + 1) & mask
    return False


@numba.njit(cache=True, nogil=True, inline="always")
def _add_letter(run, run_len, letter, longest):  # pragma: no cover - compiled
    """A lower-cased letter added to the run of letters (kept as far as the buffer holds): the
    run's new length. (:func:`prescan_kernel` writes these two out: its hot loop.)"""
    if run_len <= longest:
        run[run_len] = letter
    return run_len + 1


@numba.njit(cache=True, nogil=True, inline="always")
def _unsettled(run, run_len, run_vn, slots, offsets, points, mask, longest):  # pragma: no cover - compiled
    """Whether a run of letters that just ended holds a Vietnamese letter and is not a settled
    syllable (the pre-scan's rule 5)."""
    return run_vn and (run_len > longest or not _known_syllable(run, run_len, slots, offsets, points, mask))


@numba.njit(cache=True, nogil=True)
def prescan_kernel(data, classes, lower, slots, offsets, points, mask, check_tones, longest):  # pragma: no cover
    """One code per ``\\n``-separated line of ``data`` (code points, as UTF-32): 1 (FULL) or the
    TONES (2) and LEGACY (4) bits (see :mod:`seedclean.text.prescan`, whose Python twin this
    must equal)."""
    n_lines = 1
    for c in data:
        if c == 10:
            n_lines += 1
    out = np.zeros(n_lines, dtype=np.uint8)
    run = np.zeros(longest + 1, dtype=np.int32)
    size = len(classes)
    line = 0
    i = 0
    n = len(data)
    while line < n_lines:
        # one line: from i to the next newline (or the end)
        bad = False
        p1 = -1  # previous code point
        p2 = -1
        f1 = 0  # previous flags
        f2 = 0
        nonascii = False
        deep = False
        run_len = 0
        run_vn = False
        tones_bad = False
        legacy = False
        while True:
            if i >= n or data[i] == 10:
                c = -1
                f = 0
            else:
                c = np.int64(data[i])
                f = classes[c] if c < size else 0  # past the table (astral, surrogates): never plain
                if f & 1 == 0:
                    bad = True
            if bad:
                while i < n and data[i] != 10:
                    i += 1
                i += 1
                break
            # letters: a run the tone step would look at ends at the first non-letter (written
            # out here: through _add_letter / _unsettled this loop ran at half the speed)
            if f & 2:
                if run_len <= longest:
                    run[run_len] = lower[c]
                run_len += 1
                if f & 4:
                    run_vn = True
            else:
                if check_tones and run_vn:
                    if run_len > longest or not _known_syllable(run, run_len, slots, offsets, points, mask):
                        tones_bad = True
                run_len = 0
                run_vn = False
            if c == -1:  # end of the line
                if p1 == 32:
                    bad = True
                elif nonascii and not deep:
                    legacy = True
                i += 1
                break
            if c >= 0x80:
                nonascii = True
                if f & 32:
                    deep = True
            if c == 32:
                bad = p1 == 32
            elif (f | f1) & 64:  # PAIRED: a pair rule may apply (most characters skip the tests)
                if f & 8 and f1 & 16:
                    bad = True  # a mojibake pair
                elif (c == 94 or c == 40 or c == 43 or c == 92) and f1 & 128:
                    bad = True  # VIQR: vowel (f1 & 128: VOWEL) + ^ ( + or an escape
                elif (
                    (p1 == 96 or p1 == 39 or p1 == 126 or p1 == 46 or p1 == 63)
                    and ((c >= 65 and c <= 90) or (c >= 97 and c <= 122))
                    and f2 & 128
                ):
                    bad = True  # VIQR: vowel + tone mark + letter
                elif (p1 == 100 or p1 == 68) and (p2 == 100 or p2 == 68) and f & 128:
                    bad = True  # VIQR: dd + vowel
            if bad:
                while i < n and data[i] != 10:
                    i += 1
                i += 1
                break
            p2 = p1
            p1 = c
            f2 = f1
            f1 = f
            i += 1
        if bad:
            out[line] = 1
        else:
            out[line] = (2 if tones_bad else 0) | (4 if legacy else 0)
        line += 1
    return out


@numba.njit(cache=True, nogil=True)
def dedup_keys_kernel(data, bounds, fold, word, space, blank_punct):  # pragma: no cover - compiled
    """The dedup key of each unit of the UTF-8 ``data``: case-folded, tokens joined by one space
    (tokens: runs of word characters when ``blank_punct``, else of non-space characters).
    A unit holding a character the tables cannot fold one-to-one is flagged for the Python path."""
    units = len(bounds) - 1
    out = np.empty(len(data), dtype=np.uint8)  # folding one-to-one never grows the UTF-8 text
    out_bounds = np.zeros(units + 1, dtype=np.int64)
    flagged = np.zeros(units, dtype=np.uint8)
    pos = 0
    size = len(fold)
    for u in range(units):
        start = pos
        i = bounds[u]
        end = bounds[u + 1]
        gap = False
        while i < end:
            b0 = data[i]
            if b0 < 0x80:
                cp = b0
                length = 1
            elif b0 < 0xE0:
                cp = ((b0 & 0x1F) << 6) | (data[i + 1] & 0x3F)
                length = 2
            elif b0 < 0xF0:
                cp = ((b0 & 0x0F) << 12) | ((data[i + 1] & 0x3F) << 6) | (data[i + 2] & 0x3F)
                length = 3
            else:
                cp = size
                length = 4
            i += length
            low = fold[cp] if cp < size else -1
            if low < 0:
                flagged[u] = 1
                break
            if blank_punct:
                sep = word[low] == 0
            else:
                sep = space[low] == 1
            if sep:
                gap = True
                continue
            if gap and pos > start:
                out[pos] = 32
                pos += 1
            gap = False
            if low < 0x80:
                out[pos] = low
                pos += 1
            elif low < 0x800:
                out[pos] = 0xC0 | (low >> 6)
                out[pos + 1] = 0x80 | (low & 0x3F)
                pos += 2
            else:
                out[pos] = 0xE0 | (low >> 12)
                out[pos + 1] = 0x80 | ((low >> 6) & 0x3F)
                out[pos + 2] = 0x80 | (low & 0x3F)
                pos += 3
        if flagged[u]:
            pos = start
        out_bounds[u + 1] = pos
    return out[:pos].copy(), out_bounds, flagged


@numba.njit(cache=True, nogil=True, inline="always")
def _guard_word(data, start, size, h, words, word_bounds, hashes, slots):  # pragma: no cover - compiled
    """The index of the guard word ``data[start:start + size]`` is, or -1; ``h`` is the token's
    FNV-1a-32 (what the shingles hash it by). ``slots`` is an open-addressing table of the words
    by that hash (``dedup.guard_arrays``): a token is compared byte by byte only with a word of
    its hash, so the common token, no guard word, costs one probe of an empty slot."""
    mask = len(slots) - 1
    slot = h & mask
    while slots[slot] != 0:
        w = slots[slot] - 1
        a = word_bounds[w]
        if hashes[w] == h and word_bounds[w + 1] - a == size:
            same = True
            for j in range(size):
                if words[a + j] != data[start + j]:
                    same = False
                    break
            if same:
                return w
        slot = (slot + 1) & mask
    return -1


@numba.njit(cache=True, nogil=True, inline="always")
def _guard_digest(counts):  # pragma: no cover - compiled
    """FNV-1a-64 over the (word index, count) pairs of the words counted (``dedup.guard_digest``),
    the counts reset to 0 for the next unit; never 0."""
    h = np.uint64(0xCBF29CE484222325)
    for w in range(len(counts)):
        if counts[w]:
            h = (h ^ np.uint64(w)) * np.uint64(0x100000001B3)
            h = (h ^ np.uint64(counts[w])) * np.uint64(0x100000001B3)
            counts[w] = 0
    return h if h != 0 else np.uint64(1)


@numba.njit(cache=True, nogil=True)
def guard_profiles_kernel(data, bounds, table, words, word_bounds, hashes, slots):  # pragma: no cover - compiled
    """Per unit, the FNV-1a-64 digest of (guard word index, count) over the guard words among
    its tokens (runs of word characters), 0 when none occurs; see ``dedup.guard_digest``."""
    units = len(bounds) - 1
    out = np.zeros(units, dtype=np.uint64)
    counts = np.zeros(len(word_bounds) - 1, dtype=np.int64)
    for u in range(units):
        found = False
        i = bounds[u]
        end = bounds[u + 1]
        start = -1
        h = np.uint64(0)
        while i <= end:
            is_word, length = _word_char_at(data, i, end, table)
            if is_word:
                if start < 0:
                    start = i
                    h = _FNV_OFFSET
                for k in range(length):
                    h = ((h ^ np.uint64(data[i + k])) * _FNV_PRIME) & _M32
            elif start >= 0:
                w = _guard_word(data, start, i - start, h, words, word_bounds, hashes, slots)
                if w >= 0:
                    counts[w] += 1
                    found = True
                start = -1
            i += length
        if found:
            out[u] = _guard_digest(counts)
    return out


@numba.njit(cache=True, nogil=True)
def gather_ranges_kernel(data, starts, ends):  # pragma: no cover - compiled
    n = len(starts)
    offsets = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        offsets[i + 1] = offsets[i] + (ends[i] - starts[i])
    out = np.empty(offsets[n], dtype=np.uint8)
    for i in range(n):
        out[offsets[i] : offsets[i + 1]] = data[starts[i] : ends[i]]
    return out, offsets


@numba.njit(cache=True, nogil=True)
def add_to_trailing_numbers_kernel(data, offsets, selected, add):  # pragma: no cover - compiled
    n = len(offsets) - 1
    digits_at = np.empty(n, dtype=np.int64)  # where each selected string's trailing digits start
    values = np.zeros(n, dtype=np.int64)
    sizes = np.empty(n, dtype=np.int64)
    for i in range(n):
        start, end = offsets[i], offsets[i + 1]
        j = end
        while j > start and 48 <= data[j - 1] <= 57:
            j -= 1
        if not selected[i] or j == end:
            digits_at[i] = end
            sizes[i] = end - start
            continue
        v = 0
        for k in range(j, end):
            v = v * 10 + (data[k] - 48)
        v += add
        values[i] = v
        digits_at[i] = j
        width = 1
        x = v
        while x >= 10:
            x //= 10
            width += 1
        sizes[i] = (j - start) + width
    out_offsets = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        out_offsets[i + 1] = out_offsets[i] + sizes[i]
    out = np.empty(out_offsets[n], dtype=np.uint8)
    for i in range(n):
        start, end, o = offsets[i], offsets[i + 1], out_offsets[i]
        keep = digits_at[i] - start
        out[o : o + keep] = data[start : digits_at[i]]
        if digits_at[i] == end:
            continue
        v = values[i]
        p = out_offsets[i + 1] - 1
        while True:
            out[p] = 48 + v % 10
            v //= 10
            p -= 1
            if v == 0:
                break
    return out, out_offsets


# JSON lines ------------------------------------------------------------------------------------
# A strict JSON scanner over the bytes of many JSONL lines: it accepts exactly the lines that
# ``jsonline.parse_line`` would read as one object with one string text field and unescaped
# keys, and says "slow" for everything else (the Python reader then decides and warns).
_SLOW = 1
_BLANK = 2


@numba.njit(cache=True, nogil=True, inline="always")
def _json_ws(data, i, end):  # pragma: no cover - compiled
    while i < end and (data[i] == 32 or data[i] == 9 or data[i] == 13 or data[i] == 10):
        i += 1
    return i


@numba.njit(cache=True, nogil=True)
def _json_string_end(data, pos, end):  # pragma: no cover - compiled
    """(index after the closing quote of the string opening at ``pos``, flags: 1 an escape,
    2 a \\u escape), or (-1, 0) for a control character, a bad escape or no closing quote."""
    i = pos + 1
    flags = 0
    while i < end:
        b = data[i]
        if b == 34:
            return i + 1, flags
        if b == 92:
            if i + 1 >= end:
                return -1, 0
            e = data[i + 1]
            flags |= 1
            if e == 117:
                if i + 5 >= end:
                    return -1, 0
                for k in range(i + 2, i + 6):
                    h = data[k]
                    if not ((h >= 48 and h <= 57) or (h >= 65 and h <= 70) or (h >= 97 and h <= 102)):
                        return -1, 0
                flags |= 2
                i += 6
                continue
            if e == 34 or e == 92 or e == 47 or e == 98 or e == 102 or e == 110 or e == 114 or e == 116:
                i += 2
                continue
            return -1, 0
        if b < 32:
            return -1, 0
        i += 1
    return -1, 0


@numba.njit(cache=True, nogil=True)
def _json_number_end(data, i, end):  # pragma: no cover - compiled
    """Index after the JSON number at ``i`` (-?(0|[1-9]\\d*)(\\.\\d+)?([eE][-+]?\\d+)?), or -1."""
    if data[i] == 45:
        i += 1
    if i >= end:
        return -1
    if data[i] == 48:
        i += 1
    elif data[i] >= 49 and data[i] <= 57:
        while i < end and data[i] >= 48 and data[i] <= 57:
            i += 1
    else:
        return -1
    if i < end and data[i] == 46:
        i += 1
        if i >= end or not (data[i] >= 48 and data[i] <= 57):
            return -1
        while i < end and data[i] >= 48 and data[i] <= 57:
            i += 1
    if i < end and (data[i] == 101 or data[i] == 69):
        i += 1
        if i < end and (data[i] == 43 or data[i] == 45):
            i += 1
        if i >= end or not (data[i] >= 48 and data[i] <= 57):
            return -1
        while i < end and data[i] >= 48 and data[i] <= 57:
            i += 1
    return i


@numba.njit(cache=True, nogil=True)
def _json_literal_end(data, i, end, word):  # pragma: no cover - compiled
    if i + len(word) > end:
        return -1
    for k in range(len(word)):
        if data[i + k] != word[k]:
            return -1
    return i + len(word)


@numba.njit(cache=True, nogil=True)
def _json_key_then_colon(data, i, end):  # pragma: no cover - compiled
    """At an object key: the index of its value (after ``"key" :`` and spaces), or -1."""
    if i >= end or data[i] != 34:
        return -1
    i, _flags = _json_string_end(data, i, end)
    if i < 0:
        return -1
    i = _json_ws(data, i, end)
    if i >= end or data[i] != 58:
        return -1
    return _json_ws(data, i + 1, end)


@numba.njit(cache=True, nogil=True)
def _json_value_end(data, i, end, stack, true_, false_, null_):  # pragma: no cover - compiled
    """Index after the JSON value at ``i`` (nested containers tracked on ``stack``, whose size
    bounds the depth), or -1 if it is not one."""
    depth = 0
    while True:
        if i >= end:
            return -1
        b = data[i]
        closed = False  # a value ended at i
        if b == 34:
            i, _flags = _json_string_end(data, i, end)
            closed = True
        elif b == 123 or b == 91:
            if depth >= len(stack):
                return -1
            stack[depth] = b
            depth += 1
            i = _json_ws(data, i + 1, end)
            if i >= end:
                return -1
            if data[i] == b + 2:  # } or ]: an empty container
                depth -= 1
                i += 1
                closed = True
            elif b == 123:
                i = _json_key_then_colon(data, i, end)
        elif b == 116:
            i = _json_literal_end(data, i, end, true_)
            closed = True
        elif b == 102:
            i = _json_literal_end(data, i, end, false_)
            closed = True
        elif b == 110:
            i = _json_literal_end(data, i, end, null_)
            closed = True
        elif b == 45 or (b >= 48 and b <= 57):
            i = _json_number_end(data, i, end)
            closed = True
        else:
            return -1
        if i < 0:
            return -1
        if not closed:
            continue
        # after a value: close containers, or go on to the next member
        while True:
            if depth == 0:
                return i
            i = _json_ws(data, i, end)
            if i >= end:
                return -1
            c = data[i]
            top = stack[depth - 1]
            if c == 44:
                i = _json_ws(data, i + 1, end)
                if top == 123:
                    i = _json_key_then_colon(data, i, end)
                    if i < 0:
                        return -1
                break
            if c == top + 2:
                depth -= 1
                i += 1
                continue
            return -1


@numba.njit(cache=True, nogil=True)
def _json_same(data, start, stop, word):  # pragma: no cover - compiled
    if stop - start != len(word):
        return False
    for k in range(len(word)):
        if data[start + k] != word[k]:
            return False
    return True


@numba.njit(cache=True, nogil=True)
def jsonl_scan_kernel(data, starts, ends, text_key, id_key, has_id, max_depth):  # pragma: no cover
    """Per line ``data[starts[l]:ends[l]]``: status (0 read here, 1 slow, 2 blank), the end of its
    body (trailing CR/LF cut), the text value's span and escape flags, the id value's span
    (-1 when absent). See :func:`seedclean.io.jsonline.scan_lines`."""
    n = len(starts)
    status = np.ones(n, dtype=np.uint8)
    body_end = np.empty(n, dtype=np.int64)
    spans = np.full((n, 4), -1, dtype=np.int64)  # text start, text end, id start, id end
    text_flags = np.zeros(n, dtype=np.uint8)
    stack = np.empty(max_depth, dtype=np.uint8)
    true_ = np.array([116, 114, 117, 101], dtype=np.uint8)
    false_ = np.array([102, 97, 108, 115, 101], dtype=np.uint8)
    null_ = np.array([110, 117, 108, 108], dtype=np.uint8)
    for line in range(n):
        s = starts[line]
        be = ends[line]
        while be > s and (data[be - 1] == 13 or data[be - 1] == 10):
            be -= 1
        body_end[line] = be
        i = s
        while i < be and (data[i] == 32 or data[i] == 9 or data[i] == 13):
            i += 1
        if i == be:
            status[line] = _BLANK
            continue
        if data[i] != 123:
            continue
        i = _json_ws(data, i + 1, be)
        if i >= be or data[i] == 125:
            continue
        ok = False
        count = 0
        t0 = t1 = d0 = d1 = -1
        while True:
            if data[i] != 34:
                break
            key_end, key_flags = _json_string_end(data, i, be)
            if key_end < 0 or key_flags != 0:
                break
            is_text = _json_same(data, i + 1, key_end - 1, text_key)
            is_id = has_id and _json_same(data, i + 1, key_end - 1, id_key)
            i = _json_ws(data, key_end, be)
            if i >= be or data[i] != 58:
                break
            v0 = _json_ws(data, i + 1, be)
            v1 = _json_value_end(data, v0, be, stack, true_, false_, null_)
            if v1 < 0:
                break
            if is_id:
                d0, d1 = v0, v1
            if is_text:
                count += 1
                t0, t1 = v0, v1
            i = _json_ws(data, v1, be)
            if i >= be:
                break
            if data[i] == 44:
                i = _json_ws(data, i + 1, be)
                if i >= be:
                    break
                continue
            if data[i] == 125:
                ok = _json_ws(data, i + 1, be) == be
            break
        if not ok or count != 1 or data[t0] != 34:
            continue
        status[line] = 0
        spans[line, 0] = t0
        spans[line, 1] = t1
        spans[line, 2] = d0
        spans[line, 3] = d1
        _end, flags = _json_string_end(data, t0, t1)
        text_flags[line] = flags
    return status, body_end, spans, text_flags


@numba.njit(cache=True, nogil=True)
def render_jsonl_kernel(heads, head_ends, tails, tail_ends, units, starts, ends, slot, newline):  # pragma: no cover
    """JSONL lines, one per document ``k``: ``heads[k]``, then (unless ``slot[k] == -2``) the
    JSON string of unit ``slot[k]``'s UTF-8 (``-1``: the empty string) escaped as
    ``json.encoder.encode_basestring`` does, then ``tails[k]`` and a newline if ``newline[k]``.
    Returns the bytes and where each document's output ends."""
    # per byte: 0 copied as it is, a letter for a two-character escape (\n, \", ...), 1 for \u00XX
    escape = np.zeros(256, dtype=np.uint8)
    escape[:32] = 1
    for byte, letter in ((8, 98), (9, 116), (10, 110), (12, 102), (13, 114), (34, 34), (92, 92)):
        escape[byte] = letter
    hexdigits = np.array([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102], dtype=np.uint8)
    n = len(slot)
    line_ends = np.empty(n, dtype=np.int64)
    size = 0
    for k in range(n):
        size += head_ends[k] - (head_ends[k - 1] if k else 0)
        size += tail_ends[k] - (tail_ends[k - 1] if k else 0)
        if newline[k]:
            size += 1
        u = slot[k]
        if u != -2:
            size += 2
        if u >= 0:
            for i in range(starts[u], ends[u]):
                e = escape[units[i]]
                size += 1 if e == 0 else (6 if e == 1 else 2)
    out = np.empty(size, dtype=np.uint8)
    pos = 0
    for k in range(n):
        h0 = head_ends[k - 1] if k else 0
        for i in range(h0, head_ends[k]):
            out[pos] = heads[i]
            pos += 1
        u = slot[k]
        if u != -2:
            out[pos] = 34
            pos += 1
            if u >= 0:
                for i in range(starts[u], ends[u]):
                    b = units[i]
                    e = escape[b]
                    if e == 0:
                        out[pos] = b
                        pos += 1
                    elif e == 1:
                        out[pos] = 92
                        out[pos + 1] = 117
                        out[pos + 2] = 48
                        out[pos + 3] = 48
                        out[pos + 4] = hexdigits[b >> 4]
                        out[pos + 5] = hexdigits[b & 15]
                        pos += 6
                    else:
                        out[pos] = 92
                        out[pos + 1] = e
                        pos += 2
            out[pos] = 34
            pos += 1
        t0 = tail_ends[k - 1] if k else 0
        for i in range(t0, tail_ends[k]):
            out[pos] = tails[i]
            pos += 1
        if newline[k]:
            out[pos] = 10
            pos += 1
        line_ends[k] = pos
    return out, line_ends


@numba.njit(cache=True, nogil=True, inline="always")
def _space_at(data, i, space):  # pragma: no cover - compiled
    """(whether the character at ``data[i]`` is white space as ``str.split`` sees it, its bytes)."""
    cp, size = _decode_utf8(data, i)
    return cp < len(space) and space[cp] != 0, size


@numba.njit(cache=True, nogil=True, inline="always")
def _skip_while(data, i, end, space, blank):  # pragma: no cover - compiled
    """The first position from ``i`` (``end`` at most) whose character is white space if not
    ``blank``, or is not white space if ``blank``: past a run of spaces, or of a word."""
    while i < end:
        is_blank, size = _space_at(data, i, space)
        if is_blank != blank:
            break
        i += size
    return i


@numba.njit(cache=True, nogil=True)
def argsort_u64_kernel(keys):  # pragma: no cover - compiled
    """Stable argsort of uint64 ``keys``: an LSD radix sort, 8 passes of 8 bits, the keys moved
    with their positions (no gather per pass); a pass whose digit is the same everywhere is
    skipped."""
    n = len(keys)
    order = np.arange(n)
    spare = np.empty(n, dtype=np.int64)
    current = keys.copy()
    moved = np.empty(n, dtype=np.uint64)
    counts = np.empty(256, dtype=np.int64)
    for shift in range(0, 64, 8):
        counts[:] = 0
        for i in range(n):
            counts[(current[i] >> np.uint64(shift)) & np.uint64(255)] += 1
        if n == 0 or counts[(current[0] >> np.uint64(shift)) & np.uint64(255)] == n:
            continue
        _counts_to_starts(counts)
        for i in range(n):
            d = (current[i] >> np.uint64(shift)) & np.uint64(255)
            at = counts[d]
            counts[d] = at + 1
            spare[at] = order[i]
            moved[at] = current[i]
        order, spare = spare, order
        current, moved = moved, current
    return order


@numba.njit(cache=True, nogil=True, inline="always")
def _composite(first, second, keys, values):  # pragma: no cover - compiled
    """The primary composite of (first, second), or -1 (``text.nfc.composition_tables``)."""
    key = (np.int64(first) << 21) | np.int64(second)
    cap = len(keys)
    h = np.uint64(key) * np.uint64(0x9E3779B97F4A7C15)
    slot = np.int64((h >> np.uint64(40)) & np.uint64(cap - 1))
    while keys[slot] != 0:
        if keys[slot] == key:
            return np.int64(values[slot])
        slot = (slot + 1) & (cap - 1)
    return -1


@numba.njit(cache=True, nogil=True, inline="always")
def _copy_line_rest(data, i, out, pos):  # pragma: no cover - compiled
    """Copy ``data[i:]`` up to the next ``\\n`` to ``out[pos:]``: (i, pos) after it, pos -1 when
    ``out`` is full."""
    n = len(data)
    while i < n and data[i] != 10:
        if pos >= len(out):
            return i, -1
        out[pos] = data[i]
        pos += 1
        i += 1
    return i, pos


@numba.njit(cache=True, nogil=True)
def nfc_kernel(data, ccc, unsafe, offsets, points, keys, values, space, longest):  # pragma: no cover - compiled
    """NFC of the ``\\n``-separated lines of ``data`` (code points): (composed code points, per
    line 1 where the caller must use unicodedata2 instead, per line how many white-space
    separated words NFC changed, ok). Each starter and the combining marks after it are
    decomposed, the marks put in combining-class order (stable) and composed where not blocked;
    see :mod:`seedclean.text.nfc`. ``ok`` is False when the output would not fit (pathological
    growth): the caller then composes every line itself."""
    n = len(data)
    size = len(ccc)
    n_lines = 1
    for c in data:
        if c == 10:
            n_lines += 1
    fallback = np.zeros(n_lines, dtype=np.uint8)
    words = np.zeros(n_lines, dtype=np.int64)
    out = np.empty(2 * n + 16, dtype=np.uint32)
    buf = np.empty(longest, dtype=np.int64)
    pos = 0
    line = 0
    i = 0
    count = 0  # changed words of the line so far
    changed_word = False  # the word being read has changed
    while i < n:
        c = np.int64(data[i])
        if c == 10:
            out[pos] = 10
            pos += 1
            words[line] = count + (1 if changed_word else 0)
            count = 0
            changed_word = False
            line += 1
            i += 1
            continue
        if c >= size or unsafe[c]:
            fallback[line] = 1  # the rest of the line is copied; the caller replaces it
            i, pos = _copy_line_rest(data, i, out, pos)
            if pos < 0:
                return out[:0], fallback, words, False
            continue
        # a segment: an optional starter and the combining marks after it
        starter_first = ccc[c] == 0
        if starter_first and space[c]:  # a word ends (marks after the space begin the next one)
            if changed_word:
                count += 1
            changed_word = False
        k = i + 1 if starter_first else i
        while k < n and data[k] != 10 and data[k] < size and not unsafe[data[k]] and ccc[data[k]] != 0:
            k += 1
        if k == i + 1 and starter_first:  # a starter alone: NFC leaves it
            if pos >= len(out):
                return out[:0], fallback, words, False
            out[pos] = c
            pos += 1
            i = k
            continue
        m = 0
        first_mark = 0
        if starter_first:
            d0 = offsets[c]
            d1 = offsets[c + 1]
            if d1 > d0:
                for t in range(d0, d1):
                    if m < longest:
                        buf[m] = points[t]
                    m += 1
            else:
                buf[0] = c
                m = 1
            first_mark = 1
            start = i + 1
        else:
            start = i
        for t in range(start, k):
            if m < longest:
                buf[m] = data[t]
            m += 1
        if m > longest or (first_mark == 1 and ccc[buf[0]] != 0):
            fallback[line] = 1
            i, pos = _copy_line_rest(data, i, out, pos)
            if pos < 0:
                return out[:0], fallback, words, False
            continue
        # canonical order: marks by combining class, stable (insertion sort)
        for a in range(first_mark + 1, m):
            x = buf[a]
            cx = ccc[x]
            b = a - 1
            while b >= first_mark and ccc[buf[b]] > cx:
                buf[b + 1] = buf[b]
                b -= 1
            buf[b + 1] = x
        if pos + m > len(out):
            return out[:0], fallback, words, False
        if first_mark == 1:
            starter = buf[0]
            kept = 1  # buf[0:kept] is the result so far (the starter, then uncomposed marks)
            last = -1  # combining class of the last uncomposed mark (-1: none yet)
            for a in range(1, m):
                x = buf[a]
                cx = np.int64(ccc[x])
                composite = -1
                if last < cx:
                    composite = _composite(starter, x, keys, values)
                if composite >= 0:
                    starter = composite
                    buf[0] = composite
                else:
                    buf[kept] = x
                    kept += 1
                    last = cx
            m = kept
        same = m == k - i
        for a in range(m):
            if same and buf[a] != data[i + a]:
                same = False
            out[pos] = buf[a]
            pos += 1
        if not same:
            changed_word = True
        i = k
    words[line] = count + (1 if changed_word else 0)
    return out[:pos], fallback, words, True


@numba.njit(cache=True, nogil=True)
def unsettled_syllables_kernel(data, classes, lower, slots, offsets, points, mask, longest):  # pragma: no cover
    """(starts, ends, ok) of the runs of letters in one line of code points ``data`` that hold a
    Vietnamese letter and are not settled syllables (the pre-scan's rule 5, as
    :func:`prescan_kernel` reads it); ``ok`` is False if a character is not one a plain line may
    hold (the caller then places tones the long way)."""
    n = len(data)
    starts = np.empty(n // 2 + 1, dtype=np.int64)
    ends = np.empty(n // 2 + 1, dtype=np.int64)
    found = 0
    run = np.zeros(longest + 1, dtype=np.int32)
    size = len(classes)
    run_len = 0
    run_vn = False
    for i in range(n + 1):
        f = 0
        if i < n:
            c = np.int64(data[i])
            f = classes[c] if c < size else 0
            if f & 1 == 0:
                return starts[:0], ends[:0], False
        if f & 2:
            run_len = _add_letter(run, run_len, lower[c], longest)
            if f & 4:
                run_vn = True
        else:
            if _unsettled(run, run_len, run_vn, slots, offsets, points, mask, longest):
                starts[found] = i - run_len
                ends[found] = i
                found += 1
            run_len = 0
            run_vn = False
    return starts[:found], ends[:found], True


@numba.njit(cache=True, nogil=True, inline="always")
def _rotl64(x, r):  # pragma: no cover - compiled
    return (x << np.uint64(r)) | (x >> np.uint64(64 - r))


@numba.njit(cache=True, nogil=True, inline="always")
def _fmix64(k):  # pragma: no cover - compiled
    k ^= k >> np.uint64(33)
    k *= np.uint64(0xFF51AFD7ED558CCD)
    k ^= k >> np.uint64(33)
    k *= np.uint64(0xC4CEB9FE1A85EC53)
    return k ^ (k >> np.uint64(33))


@numba.njit(cache=True, nogil=True, inline="always")
def _le64(data, at, n):  # pragma: no cover - compiled
    """The ``n`` (<= 8) bytes at ``data[at]`` as a little-endian integer."""
    v = np.uint64(0)
    for j in range(n):
        v |= np.uint64(data[at + j]) << np.uint64(8 * j)
    return v


@numba.njit(cache=True, nogil=True)
def murmur3_128_kernel(data, bounds):  # pragma: no cover - compiled
    """MurmurHash3_x64_128 (seed 0) of each key ``data[bounds[i]:bounds[i + 1]]``: (keys, 2)
    uint64, h1 then h2 (``shingle.exact_hash_bytes`` is its twin)."""
    c1 = np.uint64(0x87C37B91114253D5)
    c2 = np.uint64(0x4CF5AD432745937F)
    units = len(bounds) - 1
    out = np.empty((units, 2), dtype=np.uint64)
    for u in range(units):
        start = bounds[u]
        n = bounds[u + 1] - start
        h1 = np.uint64(0)
        h2 = np.uint64(0)
        blocks_end = start + n - n % 16
        for at in range(start, blocks_end, 16):
            k1 = _le64(data, at, 8)
            k2 = _le64(data, at + 8, 8)
            h1 ^= _rotl64(k1 * c1, 31) * c2
            h1 = (_rotl64(h1, 27) + h2) * np.uint64(5) + np.uint64(0x52DCE729)
            h2 ^= _rotl64(k2 * c2, 33) * c1
            h2 = (_rotl64(h2, 31) + h1) * np.uint64(5) + np.uint64(0x38495AB5)
        rest = n % 16
        if rest > 8:
            h2 ^= _rotl64(_le64(data, blocks_end + 8, rest - 8) * c2, 33) * c1
        if rest > 0:
            h1 ^= _rotl64(_le64(data, blocks_end, min(rest, 8)) * c1, 31) * c2
        h1 ^= np.uint64(n)
        h2 ^= np.uint64(n)
        h1 += h2
        h2 += h1
        h1 = _fmix64(h1)
        h2 = _fmix64(h2)
        h1 += h2
        h2 += h1
        out[u, 0] = h1
        out[u, 1] = h2
    return out
