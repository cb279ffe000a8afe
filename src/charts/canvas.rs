//! A small drawing surface: filled (rounded) rectangles and polylines with tiny-skia, text with
//! ab_glyph from the font shipped in `assets/fonts/`, and PNG encoding. Coordinates are pixels,
//! origin top left.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use std::sync::OnceLock;
use tiny_skia::{FillRule, Paint, PathBuilder, Pixmap, Rect, Stroke, Transform};

/// DejaVu Sans (Bitstream Vera licence, see `assets/fonts/LICENSE-DejaVu.txt`).
static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

fn font(bold: bool) -> &'static FontRef<'static> {
    static R: OnceLock<FontRef<'static>> = OnceLock::new();
    static B: OnceLock<FontRef<'static>> = OnceLock::new();
    let (cell, bytes) = if bold { (&B, BOLD) } else { (&R, REGULAR) };
    cell.get_or_init(|| FontRef::try_from_slice(bytes).expect("the shipped font parses"))
}

/// An sRGB colour, opaque.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

/// Text weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

pub struct Canvas {
    pix: Pixmap,
}

fn paint(c: Rgb) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color_rgba8(c.0, c.1, c.2, 255);
    p.anti_alias = true;
    p
}

impl Canvas {
    /// A `w`×`h` canvas filled with `bg` (opaque: the image reads the same on Discord's dark and
    /// light themes).
    pub fn new(w: u32, h: u32, bg: Rgb) -> Canvas {
        let mut pix = Pixmap::new(w.max(1), h.max(1)).expect("canvas size is not zero");
        pix.fill(tiny_skia::Color::from_rgba8(bg.0, bg.1, bg.2, 255));
        Canvas { pix }
    }

    pub fn width(&self) -> u32 {
        self.pix.width()
    }

    pub fn height(&self) -> u32 {
        self.pix.height()
    }

    /// Fill a rectangle; nothing when it is empty. Edges on whole pixels stay sharp, so bar
    /// lengths can be measured from the pixels.
    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, c: Rgb) {
        if let Some(r) = Rect::from_xywh(x, y, w, h) {
            let mut p = paint(c);
            p.anti_alias = false;
            self.pix.fill_rect(r, &p, Transform::identity(), None);
        }
    }

    /// Fill a rectangle with rounded corners of radius `r`.
    pub fn round_rect(&mut self, x: f32, y: f32, w: f32, h: f32, r: f32, c: Rgb) {
        if w <= 0.0 || h <= 0.0 {
            return;
        }
        let r = r.min(w / 2.0).min(h / 2.0);
        let mut pb = PathBuilder::new();
        pb.move_to(x + r, y);
        pb.line_to(x + w - r, y);
        pb.quad_to(x + w, y, x + w, y + r);
        pb.line_to(x + w, y + h - r);
        pb.quad_to(x + w, y + h, x + w - r, y + h);
        pb.line_to(x + r, y + h);
        pb.quad_to(x, y + h, x, y + h - r);
        pb.line_to(x, y + r);
        pb.quad_to(x, y, x + r, y);
        pb.close();
        if let Some(path) = pb.finish() {
            self.pix.fill_path(
                &path,
                &paint(c),
                FillRule::Winding,
                Transform::identity(),
                None,
            );
        }
    }

    /// A polyline through `points`, `width` pixels wide, with round joins.
    pub fn polyline(&mut self, points: &[(f32, f32)], width: f32, c: Rgb) {
        if points.len() < 2 {
            return;
        }
        let mut pb = PathBuilder::new();
        pb.move_to(points[0].0, points[0].1);
        for p in &points[1..] {
            pb.line_to(p.0, p.1);
        }
        if let Some(path) = pb.finish() {
            let stroke = Stroke {
                width,
                line_join: tiny_skia::LineJoin::Round,
                line_cap: tiny_skia::LineCap::Round,
                ..Stroke::default()
            };
            self.pix
                .stroke_path(&path, &paint(c), &stroke, Transform::identity(), None);
        }
    }

    /// A filled circle (a data point).
    pub fn dot(&mut self, x: f32, y: f32, r: f32, c: Rgb) {
        if let Some(path) = PathBuilder::from_circle(x, y, r) {
            self.pix.fill_path(
                &path,
                &paint(c),
                FillRule::Winding,
                Transform::identity(),
                None,
            );
        }
    }

    /// Width in pixels of `s` at `size` px.
    pub fn measure(s: &str, size: f32, weight: Weight) -> f32 {
        let f = font(weight == Weight::Bold).as_scaled(PxScale::from(size));
        let mut w = 0.0;
        let mut prev = None;
        for c in s.chars() {
            let id = f.glyph_id(c);
            if let Some(p) = prev {
                w += f.kern(p, id);
            }
            w += f.h_advance(id);
            prev = Some(id);
        }
        w
    }

    /// `s` cut (with `…`) so that it is at most `max` pixels wide at `size`.
    pub fn fit(s: &str, size: f32, weight: Weight, max: f32) -> String {
        if Self::measure(s, size, weight) <= max {
            return s.to_string();
        }
        let chars: Vec<char> = s.chars().collect();
        // Binary search on the number of characters kept.
        let (mut lo, mut hi) = (0usize, chars.len());
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            let cand: String = chars[..mid].iter().collect::<String>() + "…";
            if Self::measure(&cand, size, weight) <= max {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        let kept: String = chars[..lo].iter().collect();
        format!("{}…", kept.trim_end())
    }

    /// Draw `s` with its baseline at `y`, starting at `x`; returns its width. Characters the
    /// font lacks are drawn as its missing-glyph box, never skipped silently.
    pub fn text(&mut self, x: f32, y: f32, s: &str, size: f32, weight: Weight, c: Rgb) -> f32 {
        let fref = font(weight == Weight::Bold);
        let f = fref.as_scaled(PxScale::from(size));
        let (w, h) = (self.pix.width() as i32, self.pix.height() as i32);
        let pixels = self.pix.pixels_mut();
        let mut caret = x;
        let mut prev = None;
        for ch in s.chars() {
            let id = f.glyph_id(ch);
            if let Some(p) = prev {
                caret += f.kern(p, id);
            }
            let glyph = id.with_scale_and_position(size, ab_glyph::point(caret, y));
            caret += f.h_advance(id);
            prev = Some(id);
            let Some(og) = fref.outline_glyph(glyph) else {
                continue;
            };
            let b = og.px_bounds();
            og.draw(|gx, gy, cov| {
                let px = b.min.x as i32 + gx as i32;
                let py = b.min.y as i32 + gy as i32;
                if px < 0 || py < 0 || px >= w || py >= h || cov <= 0.0 {
                    return;
                }
                let i = (py * w + px) as usize;
                let old = pixels[i];
                let a = cov.min(1.0);
                let mix = |o: u8, n: u8| (o as f32 * (1.0 - a) + n as f32 * a).round() as u8;
                // The canvas is opaque, so premultiplied equals straight colour.
                if let Some(p) = tiny_skia::PremultipliedColorU8::from_rgba(
                    mix(old.red(), c.0),
                    mix(old.green(), c.1),
                    mix(old.blue(), c.2),
                    255,
                ) {
                    pixels[i] = p;
                }
            });
        }
        caret - x
    }

    /// Draw `s` ending at `right` (right-aligned).
    pub fn text_right(&mut self, right: f32, y: f32, s: &str, size: f32, weight: Weight, c: Rgb) {
        let w = Self::measure(s, size, weight);
        self.text(right - w, y, s, size, weight, c);
    }

    /// Draw `s` cut to `max` pixels.
    pub fn text_fit(
        &mut self,
        x: f32,
        y: f32,
        s: &str,
        size: f32,
        weight: Weight,
        c: Rgb,
        max: f32,
    ) -> f32 {
        let s = Self::fit(s, size, weight, max);
        self.text(x, y, &s, size, weight, c)
    }

    /// The pixel at (`x`, `y`), for tests.
    pub fn pixel(&self, x: u32, y: u32) -> Rgb {
        let p = self.pix.pixel(x, y).expect("inside the canvas");
        Rgb(p.red(), p.green(), p.blue())
    }

    /// The image as an 8-bit RGB PNG (the alpha channel is always opaque, so it is dropped).
    pub fn png(&self) -> Vec<u8> {
        let (w, h) = (self.pix.width(), self.pix.height());
        let mut rgb = Vec::with_capacity((w * h * 3) as usize);
        for p in self.pix.pixels() {
            rgb.extend_from_slice(&[p.red(), p.green(), p.blue()]);
        }
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, w, h);
            enc.set_color(png::ColorType::Rgb);
            enc.set_depth(png::BitDepth::Eight);
            enc.set_compression(png::Compression::Balanced);
            let mut wr = enc.write_header().expect("PNG header to memory");
            wr.write_image_data(&rgb).expect("PNG data to memory");
        }
        out
    }
}
