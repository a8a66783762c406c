// The user's API key lives in sessionStorage only: never in the URL, gone with the tab.
const KEY = "cs.apiKey";

export const session = {
  me: null,
  key() {
    return sessionStorage.getItem(KEY);
  },
  signIn(key, me) {
    sessionStorage.setItem(KEY, key);
    this.me = me;
  },
  signOut() {
    sessionStorage.removeItem(KEY);
    this.me = null;
  },
};
