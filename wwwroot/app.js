window.centrali = {
    // The remembered choice, else what the system prefers.
    theme: function () {
        const saved = localStorage.getItem('centrali.theme');
        if (saved === 'dark' || saved === 'light') return saved;
        return window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
    },
    rememberTheme: function (mode) { localStorage.setItem('centrali.theme', mode); },
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
