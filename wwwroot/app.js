window.centrali = {
    copy: async function (text) {
        try { await navigator.clipboard.writeText(text); return true; }
        catch {
            // Clipboard API refused (insecure origin): fall back to a hidden textarea.
            const ta = document.createElement('textarea');
            ta.value = text; document.body.appendChild(ta); ta.select();
            const ok = document.execCommand('copy'); ta.remove(); return ok;
        }
    }
};
