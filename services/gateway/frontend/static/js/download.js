// Files the API serves behind the key (receipts, certificates): fetched, then saved or opened.
import { file, postedFile } from "./api.js";

function saveBlob(blob, name) {
  const href = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement("a"), { href, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(href), 60000);
}

export async function save(path) {
  const { blob, name } = await file(path);
  saveBlob(blob, name);
}

/** Save the file that POSTing ``json`` to ``path`` makes (labels printed to order). */
export async function savePosted(path, json) {
  const { blob, name } = await postedFile(path, json);
  saveBlob(blob, name);
}

/** Open a PDF in a new tab, where the browser's viewer prints it. */
export async function open(path) {
  const opened = window.open("", "_blank"); // now, while the click still allows a new tab
  let fetched;
  try {
    fetched = await file(path);
  } catch (error) {
    opened?.close();
    throw error;
  }
  if (!opened) {
    saveBlob(fetched.blob, fetched.name); // new tabs blocked: the file is saved instead
    return;
  }
  const href = URL.createObjectURL(fetched.blob);
  opened.location.href = href;
  window.setTimeout(() => URL.revokeObjectURL(href), 60000);
}
