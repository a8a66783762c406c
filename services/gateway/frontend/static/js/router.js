// Where we are (the part after "#/") and how to go elsewhere.
let renderer = () => {};

export function onNavigate(render) {
  renderer = render;
}

export function currentPath() {
  return window.location.hash.replace(/^#\/?/, "");
}

export function go(path) {
  if (currentPath() === path) renderer();
  else window.location.hash = `#/${path}`;
}
