"""The journey map's exports: slide-sized, non-blank PNG; SVG with the stage labels; safe
self-contained HTML; and the `export-map` command."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import pytest
from test_journey_map import make_store  # noqa: E402 - tests/ is on sys.path

from journey import cli
from journey.analytics import journey_map
from journey.analytics.filters import Filters
from journey.analytics.journey_map import build_map
from journey.db.store import Store
from journey.present import map_export

PNG_SIG = b"\x89PNG\r\n\x1a\n"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


# -- PNG reading: Pillow when present, else a small decoder of our own ----------------------
def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIG, "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def _chunks(data: bytes):
    pos = 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        yield kind, data[pos + 8:pos + 8 + length]
        pos += 12 + length


def _decode_png(data: bytes) -> tuple[int, int, int, bytes]:
    """(width, height, channels, raw pixels) of an 8-bit RGB/RGBA non-interlaced PNG."""
    chunks = list(_chunks(data))
    ihdr = next(c for k, c in chunks if k == b"IHDR")
    w, h, depth, color, _comp, _filt, interlace = struct.unpack(">IIBBBBB", ihdr)
    assert depth == 8 and color in (2, 6) and interlace == 0
    ch = 4 if color == 6 else 3
    raw = zlib.decompress(b"".join(c for k, c in chunks if k == b"IDAT"))
    stride = w * ch
    out = bytearray(h * stride)
    prev = bytearray(stride)
    pos = 0
    for y in range(h):
        ftype = raw[pos]
        line = bytearray(raw[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        for i in range(stride):
            a = line[i - ch] if i >= ch else 0
            b = prev[i]
            c = prev[i - ch] if i >= ch else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        out[y * stride:(y + 1) * stride] = line
        prev = line
    return w, h, ch, bytes(out)


def pixel_stats(data: bytes, step: int = 7) -> tuple[int, float]:
    """(distinct colours, share of non-white pixels) over a grid sample of the image."""
    try:
        import io

        from PIL import Image

        img = Image.open(io.BytesIO(data)).convert("RGB")
        w, h = img.size
        px = img.load()
        sample = [px[x, y] for y in range(0, h, step) for x in range(0, w, step)]
    except ImportError:
        w, h, ch, raw = _decode_png(data)
        sample = []
        for y in range(0, h, step):
            for x in range(0, w, step):
                i = (y * w + x) * ch
                sample.append(tuple(raw[i:i + 3]))
    non_white = sum(1 for p in sample if min(p) < 245)
    return len(set(sample)), non_white / len(sample)


def test_own_png_decoder_agrees_with_pillow_when_present():
    data = map_export.to_png(
        journey_map.JourneyMap("t", None, "en", Filters(), "", None, None, 0, 0), "en"
    )
    w, h, _ch, raw = _decode_png(data)
    assert (w, h) == png_size(data) == (1920, 1080)
    pil = pytest.importorskip("PIL.Image")
    import io

    img = pil.open(io.BytesIO(data)).convert("RGBA")
    assert img.tobytes() == raw if _ch == 4 else img.convert("RGB").tobytes() == raw


# -- the map on a demo store -----------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_path(tmp_path_factory):
    from journey.ingest import demo

    path = tmp_path_factory.mktemp("mapdemo") / "demo.duckdb"
    with Store(path) as s:
        demo.load_sample(s, customers=600, seed=3)
        s.set_note("purchase", "Keep the cart across devices", "Busy parent")
    return str(path)


@pytest.fixture(scope="module")
def maps(demo_path):
    with Store(demo_path) as s:
        return {
            lang: build_map(s.cursor(), Filters(), lang=lang, persona="Busy parent",
                            stages_df=s.stages(), notes_df=s.notes("Busy parent"))
            for lang in ("en", "fr")
        }


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_png_is_a_full_slide_and_not_blank(maps, lang):
    data = map_export.to_png(maps[lang], lang)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"journey_map_slide_{lang}.png").write_bytes(data)  # to look at
    assert png_size(data) == (1920, 1080)
    colours, inked = pixel_stats(data)
    assert colours > 50, "the map should have many colours (lanes, curve, text)"
    assert inked > 0.25, "most of the slide is coloured lanes, not white"


def test_png_scale_multiplies_the_size(maps):
    assert png_size(map_export.to_png(maps["en"], "en", scale=0.5)) == (960, 540)


def test_svg_has_the_stage_labels_in_each_language(maps):
    en = map_export.to_svg(maps["en"], "en")
    fr = map_export.to_svg(maps["fr"], "fr")
    for label in ("Awareness", "Consideration", "Purchase", "Retention", "Advocacy"):
        assert label in en
    for label in ("Sensibilisation", "Considération", "Achat", "Fidélisation",
                  "Recommandation"):
        assert label in fr
    assert 'width="1920"' in fr and 'height="1080"' in fr
    assert "Keep the cart across devices" in fr  # the team's note is on the slide
    assert "Busy parent" in fr


def test_vegalite_spec_is_one_vconcat_with_every_lane(maps):
    spec = map_export.map_to_vegalite(maps["en"], lang="en")
    names = [v.get("name") for v in spec["vconcat"]]
    assert names == ["title", "persona", "header", "touchpoints", "customers", "emotion", "pain",
                     "opportunities", "mix"]
    emotion = spec["vconcat"][5]
    marks = [ly["mark"]["type"] for ly in emotion["layer"]]
    assert "area" in marks and "line" in marks  # the curve and its margin band


def test_html_is_self_contained_and_escapes_user_text(tmp_path):
    store = make_store(tmp_path / "x.duckdb")
    evil = "<script>alert(1)</script>"
    store.set_touchpoints([("Ad", "awareness", evil, True)])
    store.set_note("awareness", '<img src=x onerror=alert(1)> & "quotes"', None)
    jm = build_map(store.cursor(), Filters(), lang="en")
    store.close()
    out = map_export.to_html(jm, "en")
    assert out.startswith("<!DOCTYPE html>")
    assert "<script" not in out.lower()
    assert "<img" not in out.lower()
    assert "&lt;script&gt;" in out and "&lt;img src=x" in out
    # Nothing fetched from elsewhere: no URL at all, no link, no remote style or font.
    assert not re.search(r"https?://", out)
    assert "<link" not in out and "@import" not in out
    assert "<svg" in out and "</svg>" in out


def test_empty_map_still_exports(tmp_path):
    with Store(tmp_path / "e.duckdb") as s:
        jm = build_map(s.cursor(), Filters(), lang="fr")
    data = map_export.to_png(jm, "fr")
    assert png_size(data) == (1920, 1080)
    # No data uses any stage yet: no stage columns, the title still says what this is.
    assert jm.stages == ()
    svg = map_export.to_svg(jm, "fr")
    assert "Carte du parcours — tous les clients" in svg and "Sensibilisation" not in svg


# -- the CLI ---------------------------------------------------------------------------------
@pytest.mark.parametrize("ext", ["png", "svg", "html"])
def test_cli_export_map(demo_path, tmp_path, ext, capsys):
    out = tmp_path / f"x.{ext}"
    rc = cli.main(["export-map", "--db", demo_path, "--persona", "Busy parent",
                   "--lang", "fr", "--out", str(out)])
    assert rc == 0, capsys.readouterr().err
    data = out.read_bytes()
    if ext == "png":
        assert png_size(data) == (1920, 1080)
        assert pixel_stats(data)[0] > 50
    elif ext == "svg":
        assert b"<svg" in data and b"Sensibilisation" in data
        assert b"Busy parent" in data
    else:
        assert data.startswith(b"<!DOCTYPE html>") and "Fidélisation".encode() in data


def test_cli_export_map_with_filters(demo_path, tmp_path):
    out = tmp_path / "m.svg"
    rc = cli.main(["export-map", "--db", demo_path, "--device", "desktop",
                   "--since", "2026-02-01", "--out", str(out)])
    assert rc == 0
    assert "desktop" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "args, words",
    [
        (["--out", "x.pdf"], ".png, .svg or .html"),
        (["--persona", "Nobody", "--out", "x.png"], "no persona"),
        (["--persona", "Busy parent", "--persona", "Deal hunter", "--out", "x.png"],
         "one --persona"),
        (["--since", "yesterday", "--out", "x.png"], "not a date"),
    ],
)
def test_cli_export_map_refuses_plainly(demo_path, tmp_path, capsys, args, words):
    argv = ["export-map", "--db", demo_path]
    argv += [str(tmp_path / a) if a.startswith("x.") else a for a in args]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    assert not list(tmp_path.glob("x.*"))


def test_cli_export_map_missing_db(tmp_path, capsys):
    missing = tmp_path / "nope.duckdb"
    assert cli.main(["export-map", "--db", str(missing), "--out",
                     str(tmp_path / "x.png")]) == 2
    assert "no database file" in capsys.readouterr().err
    assert not missing.exists()
