// Numbers, money, dates and product names in the user's language.
import { locale, t, tOr } from "./i18n.js";

export function money(cents) {
  if (cents === null || cents === undefined) return "—";
  return new Intl.NumberFormat(locale(), { style: "currency", currency: "EUR" }).format(cents / 100);
}

export function number(value) {
  return new Intl.NumberFormat(locale()).format(value ?? 0);
}

export function date(value) {
  if (!value) return "—";
  const parsed = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T12:00:00`) : new Date(value);
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium" }).format(parsed);
}

export function dateTime(value) {
  if (!value) return "—";
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" }).format(new Date(value));
}

export function month(value) {
  const [year, number_] = value.split("-");
  return new Intl.DateTimeFormat(locale(), { month: "short", year: "numeric" })
    .format(new Date(Number(year), Number(number_) - 1, 1));
}

/** How long ago, in hours or days: "5 h", "3 j". */
export function age(since, now = Date.now()) {
  const hours = Math.max(0, Math.floor((now - new Date(since).getTime()) / 3600000));
  return hours < 48 ? t("age.hours", { n: hours }) : t("age.days", { n: Math.floor(hours / 24) });
}

export function hoursSince(since, now = Date.now()) {
  return (now - new Date(since).getTime()) / 3600000;
}

/** A product_key (device:smartphone:b, card:orange:1000, allowance:minutes) in words. */
export function productName(key, fallback) {
  const [family, first, second] = key.split(":");
  if (family === "device" && first) {
    const category = tOr(`category.${first}`, first);
    return second ? t("product.device", { category, grade: second.toUpperCase() }) : category;
  }
  if (family === "card" && first && second) {
    const operator = first.charAt(0).toUpperCase() + first.slice(1);
    return t("product.card", { operator, value: money(Number(second)) });
  }
  if (family === "allowance" && first) return t("product.allowance", { unit: tOr(`unit.${first}`, first) });
  return fallback || key;
}

export function stateName(kind, state) {
  return tOr(`${kind}.${state}`, state);
}
