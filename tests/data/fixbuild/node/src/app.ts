// Fill in the greeting; the compiled dist/app.js is the same whatever platform builds it.
const greeting: HTMLElement | null = document.getElementById("greeting");

function message(where: string): string {
  return `hello from ${where}`;
}

if (greeting !== null) {
  greeting.textContent = message(navigator.platform || "the web");
}
