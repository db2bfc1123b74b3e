// The console's only script: "Copy" buttons next to a link shown once. The pages work without it
// (the link is in a read-only input, ready to select); the buttons stay hidden then.
document.querySelectorAll("button[data-copy]").forEach(function (button) {
  var input = document.getElementById(button.getAttribute("data-copy"));
  if (!input || !navigator.clipboard) return;
  button.hidden = false;
  var label = button.textContent;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(input.value).then(function () {
      button.textContent = button.getAttribute("data-copied");
      setTimeout(function () { button.textContent = label; }, 2000);
    });
  });
});
