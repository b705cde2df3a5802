"""Text repair and splitting: the normaliser (encodings, mojibake, Unicode form, whitespace,
tones) and segmentation into units."""
