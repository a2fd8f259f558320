"""Rendering synthetic bodies: a pinhole camera and a z-buffered capsule rasteriser.

Each body part is a capsule (a segment with a radius at each end) or a sphere. A
capsule projects, to a good approximation, onto a 2D capsule between the projected ends
with radii ``f * r / z``; every pixel inside it gets a depth (the segment's depth there,
less the part's bulge towards the camera) and the nearest part wins. The winner's
person index per pixel is the instance mask, so masks are exact for the rendered image:
what a person hides of another is missing from the other's mask.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Camera", "look_at_camera", "render_background", "render_people"]


@dataclass(frozen=True)
class Camera:
    """A pinhole camera.

    Attributes:
        position: ``(3,)`` world metres.
        right, up, forward: ``(3,)`` unit axes of the camera in world coordinates.
        focal: focal length in pixels.
        width, height: image size in pixels.
    """

    position: np.ndarray
    right: np.ndarray
    up: np.ndarray
    forward: np.ndarray
    focal: float
    width: int
    height: int

    def to_camera(self, p: np.ndarray) -> np.ndarray:
        """World points ``(..., 3)`` to camera coordinates ``(..., 3)`` (x right, y up, z depth)."""
        d = p - self.position
        return np.stack([d @ self.right, d @ self.up, d @ self.forward], axis=-1)

    def project(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """World points ``(..., 3)`` to pixel coordinates ``(..., 2)`` and depths ``(...)``.

        Pixel ``(u, v)``: ``u`` right, ``v`` down, pixel centres at integers + 0.5.
        """
        c = self.to_camera(p)
        z = np.maximum(c[..., 2], 1e-6)
        u = self.width / 2 + self.focal * c[..., 0] / z
        v = self.height / 2 - self.focal * c[..., 1] / z
        return np.stack([u, v], axis=-1), c[..., 2]


def look_at_camera(position, target, width: int, height: int, hfov_deg: float) -> Camera:
    """A level camera at ``position`` looking at ``target`` with a horizontal field of view."""
    position = np.asarray(position, dtype=float)
    forward = np.asarray(target, dtype=float) - position
    forward /= np.linalg.norm(forward)
    world_up = np.array([0.0, 1.0, 0.0])
    right = np.cross(world_up, forward)
    right /= np.linalg.norm(right)
    up = np.cross(forward, right)
    focal = (width / 2) / np.tan(np.radians(hfov_deg) / 2)
    return Camera(position, right, up, forward, float(focal), int(width), int(height))


def render_background(
    cam: Camera,
    floor_rgb: tuple[int, int, int],
    wall_rgb: tuple[int, int, int],
    tile: float,
    wall_distance: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """A tiled floor (``y = 0``) meeting a wall, as seen by ``cam``: ``(H, W, 3)`` float 0..255.

    The wall stands where the floor is farther than ``wall_distance`` metres from the
    camera; tiles are ``tile`` metres; a faint per-pixel texture keeps it from being flat.
    """
    h, w = cam.height, cam.width
    vs, us = np.mgrid[0:h, 0:w] + 0.5
    rays = (
        cam.forward[None, None]
        + ((us - w / 2) / cam.focal)[..., None] * cam.right
        - ((vs - h / 2) / cam.focal)[..., None] * cam.up
    )
    ry = rays[..., 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        t_floor = np.where(ry < -1e-6, -cam.position[1] / ry, np.inf)
    floor = np.isfinite(t_floor)
    hit = cam.position + np.where(floor, t_floor, 0.0)[..., None] * rays
    dist = np.where(floor, np.linalg.norm(hit - cam.position, axis=-1), np.inf)
    floor &= dist < wall_distance
    checker = (np.floor(hit[..., 0] / tile) + np.floor(hit[..., 2] / tile)) % 2
    fc = np.asarray(floor_rgb, float)
    floor_img = fc * (0.9 + 0.1 * checker[..., None]) * (1.05 - 0.25 * np.clip(dist / wall_distance, 0, 1))[..., None]
    wall_img = np.asarray(wall_rgb, float) * (0.8 + 0.2 * (vs / h))[..., None]
    img = np.where(floor[..., None], floor_img, wall_img)
    img += rng.normal(0.0, 3.0, size=(h, w, 1))
    return np.clip(img, 0, 255)


def _raster_capsule(
    zbuf: np.ndarray,
    owner: np.ndarray,
    color: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    za: float,
    zb: float,
    ra_px: float,
    rb_px: float,
    ra_m: float,
    rb_m: float,
    rgb: np.ndarray,
    person: int,
) -> None:
    """Draw one capsule into the buffers in place (pixel-space ends ``a``, ``b``)."""
    h, w = zbuf.shape
    rmax = max(ra_px, rb_px)
    x0 = max(int(np.floor(min(a[0], b[0]) - rmax)), 0)
    x1 = min(int(np.ceil(max(a[0], b[0]) + rmax)) + 1, w)
    y0 = max(int(np.floor(min(a[1], b[1]) - rmax)), 0)
    y1 = min(int(np.ceil(max(a[1], b[1]) + rmax)) + 1, h)
    if x0 >= x1 or y0 >= y1:
        return
    px = np.arange(x0, x1) + 0.5
    py = np.arange(y0, y1) + 0.5
    ab = b - a
    denom = float(ab @ ab)
    dx = px[None, :] - a[0]
    dy = py[:, None] - a[1]
    t = np.clip((dx * ab[0] + dy * ab[1]) / denom, 0.0, 1.0) if denom > 1e-12 else np.zeros((len(py), len(px)))
    ex = dx - t * ab[0]
    ey = dy - t * ab[1]
    d2 = ex * ex + ey * ey
    r_px = ra_px + t * (rb_px - ra_px)
    inside = d2 < r_px * r_px
    if not inside.any():
        return
    q = np.sqrt(np.clip(1.0 - d2 / np.maximum(r_px * r_px, 1e-12), 0.0, 1.0))
    depth = za + t * (zb - za) - (ra_m + t * (rb_m - ra_m)) * q
    zr = zbuf[y0:y1, x0:x1]
    win = inside & (depth < zr)
    if not win.any():
        return
    zr[win] = depth[win]
    owner[y0:y1, x0:x1][win] = person
    shade = (0.55 + 0.45 * q)[win]
    color[y0:y1, x0:x1][win] = shade[:, None] * rgb[None, :]


def render_people(
    cam: Camera,
    background: np.ndarray,
    people_parts: list[list[tuple[np.ndarray, np.ndarray, float, float, tuple[int, int, int]]]],
    frame: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Render frame ``frame`` of every person's parts over ``background``.

    Args:
        background: ``(H, W, 3)`` float image.
        people_parts: per person, the parts from :func:`hiar_lib.synth.body.body_parts`.

    Returns:
        ``image`` ``(H, W, 3)`` float 0..255, ``owner`` ``(H, W)`` int16 (person index or
        ``-1`` for background), ``zbuf`` ``(H, W)`` float depth in metres (``inf`` where
        no person is).
    """
    h, w = cam.height, cam.width
    zbuf = np.full((h, w), np.inf)
    owner = np.full((h, w), -1, dtype=np.int16)
    color = background.copy()
    for person, parts in enumerate(people_parts):
        for a, b, ra, rb, rgb in parts:
            ends = np.stack([a[frame], b[frame]])
            uv, z = cam.project(ends)
            if z.min() <= 0.05:
                continue
            _raster_capsule(
                zbuf, owner, color, uv[0], uv[1], float(z[0]), float(z[1]),
                cam.focal * ra / z[0], cam.focal * rb / z[1], ra, rb,
                np.asarray(rgb, float), person,
            )  # fmt: skip
    return color, owner, zbuf
