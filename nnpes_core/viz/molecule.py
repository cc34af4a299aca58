"""A 3-D molecule viewer as a self-contained HTML string (3Dmol.js through py3Dmol).

The HTML loads 3Dmol.js from the app's own static folder (``/app/static/3Dmol-min.js``), never from a
CDN, so it works in a lecture hall without network. Everything is in eV and Å.

    html = molecule_html(atoms, forces=forces, atom_values=atomic_energies, cutoff_sphere=(0, 3.0))

The app shows it with ``ui.molecule_viewer``; outside the app write it next to a copy of 3Dmol-min.js
(``script_url="3Dmol-min.js"``) and open it in a browser.
"""
from __future__ import annotations

import html as html_lib
import io
import json
from collections.abc import Sequence

import numpy as np
import py3Dmol
from ase import Atoms
from ase.io import write
from plotly.colors import sample_colorscale

from nnpes_core.viz.style import COLORS, SEQUENTIAL

SCRIPT_URL = "/app/static/3Dmol-min.js"  # served by Streamlit's static file serving (app/static)

# Arrow colours for up to two sets of per-atom vectors (e.g. forces before / after a rotation).
ARROW_COLORS = (COLORS["model"], COLORS["counterexample"])


def _xyz(atoms: Atoms) -> str:
    """Plain XYZ text of one structure (3Dmol.js finds the bonds from the distances)."""
    buffer = io.StringIO()
    write(buffer, Atoms(atoms.get_chemical_symbols(), positions=atoms.get_positions()), format="xyz")
    return buffer.getvalue()


def _point(xyz: Sequence[float]) -> dict[str, float]:
    return {"x": float(xyz[0]), "y": float(xyz[1]), "z": float(xyz[2])}


def _frames(atoms: Atoms, frames: Sequence[Atoms] | np.ndarray) -> list[Atoms]:
    """Frames as a list of Atoms; a positions array [n_frames, n_atoms, 3] reuses ``atoms``' elements."""
    if isinstance(frames, np.ndarray):
        if frames.ndim != 3 or frames.shape[1:] != (len(atoms), 3):
            raise ValueError(f"frames must have shape [n_frames, {len(atoms)}, 3], got {frames.shape}")
        return [Atoms(atoms.get_chemical_symbols(), positions=p) for p in frames]
    return list(frames)


def value_colors(values: Sequence[float], colorscale: str = SEQUENTIAL,
                 vmin: float | None = None, vmax: float | None = None) -> list[str]:
    """Map scalars (one per atom) to hex colours on ``colorscale`` between vmin and vmax."""
    values = np.asarray(values, dtype=float)
    low = float(values.min()) if vmin is None else vmin
    high = float(values.max()) if vmax is None else vmax
    fraction = np.clip((values - low) / (high - low), 0.0, 1.0) if high > low else np.full_like(values, 0.5)
    rgb = sample_colorscale(colorscale, list(fraction))
    return ["#%02x%02x%02x" % tuple(int(float(c)) for c in s[4:-1].split(",")) for s in rgb]


def _legend_html(label: str, colorscale: str, vmin: float, vmax: float) -> str:
    """A horizontal colour bar below the viewer: the gradient with its end values."""
    stops = sample_colorscale(colorscale, [i / 8 for i in range(9)])
    gradient = ", ".join(stops)
    return (
        '<div class="nnpes-legend" style="font:13px sans-serif;color:#222;margin:4px 8px;">'
        f'<div>{html_lib.escape(label)}</div>'
        f'<div style="height:12px;border-radius:3px;background:linear-gradient(to right, {gradient});"></div>'
        '<div style="display:flex;justify-content:space-between;">'
        f"<span>{vmin:.4g}</span><span>{vmax:.4g}</span></div></div>"
    )


def molecule_html(
    atoms: Atoms,
    *,
    height: int = 400,
    forces: np.ndarray | None = None,
    forces_2: np.ndarray | None = None,
    force_scale: float = 1.0,
    force_colors: Sequence[str] = ARROW_COLORS,
    atom_values: Sequence[float] | None = None,
    value_label: str = "Atomic energy (eV)",
    colorscale: str = SEQUENTIAL,
    cutoff_sphere: tuple[int, float] | None = None,
    labels: Sequence[str] | bool | None = None,
    frames: Sequence[Atoms] | np.ndarray | None = None,
    frame_interval_ms: int = 60,
    loop: str = "forward",
    zoom: float = 1.0,
    background: str = "white",
    script_url: str = SCRIPT_URL,
) -> str:
    """HTML that draws ``atoms`` in 3-D (ball and stick; drag to rotate, scroll to zoom).

    forces, forces_2   per-atom vectors [n_atoms, 3] in eV/Å drawn as arrows of length
                       ``force_scale * |F|`` Å from each atom (two sets, e.g. before/after).
    atom_values        one scalar per atom (e.g. atomic energies, eV): atoms coloured on
                       ``colorscale`` with a colour bar labelled ``value_label`` below the viewer.
    cutoff_sphere      ``(i, radius)``: a translucent sphere of ``radius`` Å around atom i.
    labels             one text per atom, or True for "symbol index" labels.
    zoom               magnification after fitting the molecule into the view (1 = fit).
    frames             animation: a list of Atoms or positions [n_frames, n_atoms, 3] (Å), played in a
                       loop ("forward", or "backAndForth" for a path that should return to its start).
    """
    n_atoms = len(atoms)
    positions = atoms.get_positions()
    view = py3Dmol.view(width="100%", height=height, js=script_url)
    view.setBackgroundColor(background)
    if frames is not None:
        xyz = "".join(_xyz(frame) for frame in _frames(atoms, frames))
        view.addModelsAsFrames(xyz, "xyz")
    else:
        view.addModel(_xyz(atoms), "xyz")
    view.setStyle({}, {"stick": {"radius": 0.14}, "sphere": {"scale": 0.28}})

    legend = ""
    if atom_values is not None:
        atom_values = np.asarray(atom_values, dtype=float)
        if atom_values.shape != (n_atoms,):
            raise ValueError(f"atom_values needs one value per atom ({n_atoms}), got {atom_values.shape}")
        for index, color in enumerate(value_colors(atom_values, colorscale)):
            view.setStyle({"index": index}, {"stick": {"radius": 0.14, "color": color},
                                              "sphere": {"scale": 0.32, "color": color}})
        legend = _legend_html(value_label, colorscale, atom_values.min(), atom_values.max())

    for vectors, color in zip((forces, forces_2), force_colors):
        if vectors is None:
            continue
        vectors = np.asarray(vectors, dtype=float)
        if vectors.shape != (n_atoms, 3):
            raise ValueError(f"force arrows need shape [{n_atoms}, 3], got {vectors.shape}")
        for start, vector in zip(positions, vectors):
            if np.linalg.norm(vector) * force_scale < 1e-3:
                continue  # an arrow shorter than 0.001 Å is invisible; 3Dmol.js draws nothing useful
            view.addArrow({"start": _point(start), "end": _point(start + force_scale * vector),
                           "radius": 0.05, "radiusRatio": 2.2, "mid": 0.75, "color": color})

    if cutoff_sphere is not None:
        center_index, radius = cutoff_sphere
        view.addSphere({"center": _point(positions[center_index]), "radius": float(radius),
                        "color": COLORS["highlight"], "opacity": 0.25})

    if labels:
        texts = ([f"{s}{i}" for i, s in enumerate(atoms.get_chemical_symbols())]
                 if labels is True else [str(t) for t in labels])
        for text, position in zip(texts, positions):
            view.addLabel(text, {"position": _point(position), "fontSize": 13, "fontColor": "black",
                                 "backgroundColor": "white", "backgroundOpacity": 0.7,
                                 "inFront": True, "showBackground": True})

    view.zoomTo()
    if zoom != 1.0:
        view.zoom(float(zoom))  # > 1 magnifies a small molecule that zoomTo leaves small
    if frames is not None:
        view.animate({"loop": loop, "interval": int(frame_interval_ms)})
    body = view._make_html()  # py3Dmol's public write_html() returns the same string
    # py3Dmol names the viewer after the clock; one viewer per document needs no unique name, and
    # the same input then gives the same HTML, so Streamlit does not reload the frame on a rerun.
    body = body.replace(view.uniqueid, "nnpes")
    if script_url not in body or "://" in body:
        raise RuntimeError("py3Dmol did not use the local 3Dmol.js; the viewer would need the network")
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head>"
        f"<body style='margin:0;padding:0;overflow:hidden;background:{background};'>"
        f"{body}{legend}{_PAUSE_OFF_SCREEN if frames is not None else ''}</body></html>"
    )


# An animation draws a frame every ``frame_interval_ms`` even where nobody sees it: scrolled out of view,
# a page full of them, or a class of browsers sharing one machine. 3Dmol.js resumes a paused animation
# when its viewer becomes visible but never pauses one; this pauses it while it is off screen.
_PAUSE_OFF_SCREEN = """<script>
(function () {
  var tries = 0;
  function watch() {
    var viewer = window.viewer_nnpes;
    if (!viewer || !window.IntersectionObserver) {
      if (tries++ < 200) { setTimeout(watch, 50); }
      return;
    }
    new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) { viewer.resumeAnimate(); } else { viewer.pauseAnimate(); }
      });
    }).observe(document.body);
  }
  watch();
})();
</script>"""


def viewer_height(height: int, atom_values: object = None) -> int:
    """Total height in px of :func:`molecule_html`'s output (viewer plus colour bar)."""
    return height + (52 if atom_values is not None else 0) + 4


def trajectory_from_mode(atoms: Atoms, mode: np.ndarray, amplitude: float = 0.3,
                         n_frames: int = 20) -> np.ndarray:
    """Positions [n_frames, n_atoms, 3] (Å) for one period of a normal-mode vibration.

    ``mode`` [n_atoms, 3] is the displacement pattern; it is scaled so that its largest atomic
    displacement is ``amplitude`` Å.
    """
    mode = np.asarray(mode, dtype=float).reshape(len(atoms), 3)
    mode = mode / max(np.linalg.norm(mode, axis=1).max(), 1e-12)
    phases = np.sin(np.linspace(0.0, 2.0 * np.pi, n_frames, endpoint=False))
    return atoms.get_positions()[None] + amplitude * phases[:, None, None] * mode[None]


def trajectory_player_html(
    atoms: Atoms,
    frames: np.ndarray,
    *,
    time_fs: Sequence[float] | None = None,
    forces: np.ndarray | None = None,
    force_scale: float = 0.5,
    height: int = 400,
    frame_interval_ms: int = 50,
    center: bool = True,
    show_forces: bool = False,
    zoom: float = 1.3,
    script_url: str = SCRIPT_URL,
) -> str:
    """HTML of a trajectory player: the 3-D viewer with play/pause, a frame slider, a speed choice,
    the time of the frame shown, and (when ``forces`` are given) force arrows that can be switched on.

    frames     positions [n_frames, n_atoms, 3] (Å), in the order of ``atoms``' elements.
    time_fs    the time of each frame (fs), shown beside the slider.
    forces     [n_frames, n_atoms, 3] eV/Å, drawn as arrows of length ``force_scale * |F|`` Å.
    center     subtract each frame's centroid (display only): a molecule that diffuses stays in view.
    zoom       magnification after fitting the first frame into the view (1 = fit).
    """
    frames = np.array(frames, dtype=float)
    if frames.ndim != 3 or frames.shape[1:] != (len(atoms), 3) or len(frames) == 0:
        raise ValueError(f"frames must have shape [n_frames, {len(atoms)}, 3], got {frames.shape}")
    if not np.all(np.isfinite(frames)):
        raise ValueError("the trajectory contains NaN positions: nothing to draw")
    if center:
        frames -= frames.mean(axis=1, keepdims=True)
    n_frames = len(frames)
    times = np.arange(n_frames, dtype=float) if time_fs is None else np.asarray(time_fs, dtype=float)
    if times.shape != (n_frames,):
        raise ValueError(f"time_fs needs one time per frame ({n_frames}), got {times.shape}")
    if forces is not None:
        forces = np.asarray(forces, dtype=float)
        if forces.shape != frames.shape:
            raise ValueError(f"forces must have the shape of the frames {frames.shape}, got {forces.shape}")
    view = py3Dmol.view(width="100%", height=height, js=script_url)
    view.setBackgroundColor("white")
    view.addModelsAsFrames("".join(_xyz(Atoms(atoms.get_chemical_symbols(), positions=p)) for p in frames), "xyz")
    view.setStyle({}, {"stick": {"radius": 0.14}, "sphere": {"scale": 0.28}})
    view.zoomTo()
    if zoom != 1.0:
        view.zoom(float(zoom))
    body = view._make_html().replace(view.uniqueid, "nnpes")
    if script_url not in body or "://" in body:
        raise RuntimeError("py3Dmol did not use the local 3Dmol.js; the viewer would need the network")
    data = {
        "times": [round(float(t), 3) for t in times],
        "positions": np.round(frames, 4).tolist() if forces is not None else None,
        "forces": None if forces is None else np.round(force_scale * forces, 4).tolist(),
        "interval": int(frame_interval_ms), "showForces": bool(show_forces and forces is not None),
        "arrowColor": ARROW_COLORS[0],
    }
    speeds = "".join(f'<option value="{s}"{" selected" if s == 1 else ""}>{label}</option>'
                     for s, label in ((0.25, "¼×"), (0.5, "½×"), (1, "1×"), (2, "2×"), (4, "4×")))
    force_box = ('<label><input type="checkbox" id="nnpes-forces"> force arrows</label>' if forces is not None else "")
    controls = (
        '<div class="nnpes-player" style="font:13px sans-serif;color:#222;display:flex;gap:8px;'
        'align-items:center;padding:4px 8px;">'
        '<button id="nnpes-play" type="button" style="min-width:5.5em">Pause</button>'
        f'<input id="nnpes-frame" type="range" min="0" max="{n_frames - 1}" value="0" step="1" '
        'style="flex:1" aria-label="frame">'
        '<span id="nnpes-time" style="min-width:7em;text-align:right">t = 0 fs</span>'
        f'<label>speed <select id="nnpes-speed">{speeds}</select></label>{force_box}</div>'
    )
    script = _PLAYER_SCRIPT.replace("__DATA__", json.dumps(data))
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head>"
        "<body style='margin:0;padding:0;overflow:hidden;background:white;'>"
        f"{body}{controls}<script>{script}</script></body></html>"
    )


def player_height(height: int) -> int:
    """Total height in px of :func:`trajectory_player_html`'s output (viewer plus controls)."""
    return height + 40


# Plays the frames that py3Dmol loaded (viewer.setFrame) on its own clock, so that it can pause, jump to
# a frame, change speed and redraw the force arrows of the frame shown.
_PLAYER_SCRIPT = """
(function () {
  var data = __DATA__;
  var n = data.times.length, frame = 0, playing = n > 1, speed = 1, timer = null;
  var showForces = data.showForces;
  var slider = document.getElementById("nnpes-frame"), label = document.getElementById("nnpes-time");
  var button = document.getElementById("nnpes-play"), choice = document.getElementById("nnpes-speed");
  var box = document.getElementById("nnpes-forces");
  if (box) { box.checked = showForces; }
  function viewer() { return window.viewer_nnpes; }
  function arrows(v) {
    v.removeAllShapes();
    if (!showForces || !data.forces) { return; }
    var p = data.positions[frame], f = data.forces[frame];
    for (var i = 0; i < p.length; i++) {
      if (Math.hypot(f[i][0], f[i][1], f[i][2]) < 1e-3) { continue; }
      v.addArrow({start: {x: p[i][0], y: p[i][1], z: p[i][2]},
                  end: {x: p[i][0] + f[i][0], y: p[i][1] + f[i][1], z: p[i][2] + f[i][2]},
                  radius: 0.05, radiusRatio: 2.2, mid: 0.75, color: data.arrowColor});
    }
  }
  function draw() {
    var v = viewer();
    if (!v) { return; }
    slider.value = frame;
    label.textContent = "t = " + data.times[frame].toFixed(1) + " fs";
    Promise.resolve(v.setFrame(frame)).then(function () { arrows(v); v.render(); });
  }
  function schedule() {
    if (timer) { clearInterval(timer); timer = null; }
    button.textContent = playing ? "Pause" : "Play ▶";
    if (playing) { timer = setInterval(function () { frame = (frame + 1) % n; draw(); }, data.interval / speed); }
  }
  button.addEventListener("click", function () { playing = !playing; schedule(); });
  slider.addEventListener("input", function () { frame = parseInt(slider.value, 10); playing = false; schedule(); draw(); });
  choice.addEventListener("change", function () { speed = parseFloat(choice.value); schedule(); });
  if (box) { box.addEventListener("change", function () { showForces = box.checked; draw(); }); }
  var wait = setInterval(function () {
    if (viewer()) { clearInterval(wait); draw(); schedule(); }
  }, 50);
})();
"""
