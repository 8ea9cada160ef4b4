using Centrali.Console.Webhooks.Secrets;


namespace Centrali.Console.Tests.Subscriptions;

public sealed class ReceiverCodeFacts
{
    static readonly SignatureSettings OlderGuide = new("X-Centrali-Signature", "sha256", "hex", "sha256=");
    static readonly SignatureSettings Default = new("X-Signature", "sha256", "base64", "");

    [Fact]
    public void Node_ComputesTheOlderGuidesHexSignatureWithPrefix()
    {
        var code = ReceiverCode.Node(OlderGuide);
        Assert.Contains("express.raw({ type: 'application/json' })", code);
        Assert.Contains("req.get('X-Centrali-Signature')", code);
        Assert.Contains("Buffer.from('sha256=' + crypto", code);
        Assert.Contains(".createHmac('sha256', WEBHOOK_SECRET)", code);
        Assert.Contains(".update(req.body)", code);
        Assert.Contains(".digest('hex')", code);
        Assert.Contains("crypto.timingSafeEqual(received, expected)", code);
        Assert.Contains("process.env.CENTRALI_WEBHOOK_SECRET", code);
    }

    [Fact]
    public void CSharp_ComputesTheOlderGuidesHexSignatureWithPrefix()
    {
        var code = ReceiverCode.CSharp(OlderGuide);
        Assert.Contains("request.Headers[\"X-Centrali-Signature\"]", code);
        Assert.Contains("HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body)", code);
        Assert.Contains("var expected = \"sha256=\" + Convert.ToHexStringLower(mac);", code);
        Assert.Contains("CryptographicOperations.FixedTimeEquals", code);
        Assert.Contains("app.MapPost(", code);
    }

    [Fact]
    public void Python_ComputesTheOlderGuidesHexSignatureWithPrefix()
    {
        var code = ReceiverCode.Python(OlderGuide);
        Assert.Contains("from flask import Flask", code);
        Assert.Contains("request.headers.get(\"X-Centrali-Signature\", \"\")", code);
        Assert.Contains("hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).digest()", code);
        Assert.Contains("expected = \"sha256=\" + mac.hex()", code);
        Assert.Contains("hmac.compare_digest(", code);
    }

    [Fact]
    public void Default_IsTheNewerPostsBase64XSignature_WithoutPrefix()
    {
        Assert.Contains(".digest('base64')", ReceiverCode.Node(Default));
        Assert.Contains("Buffer.from(crypto", ReceiverCode.Node(Default));
        Assert.Contains("var expected = Convert.ToBase64String(mac);", ReceiverCode.CSharp(Default));
        Assert.Contains("expected = base64.b64encode(mac).decode()", ReceiverCode.Python(Default));
    }

    [Fact]
    public void OtherAlgorithms_AndQuotesInHeaderOrPrefix_AreWrittenSafely()
    {
        var odd = new SignatureSettings("X-It's", "sha512", "hex", "v1\"='\\");
        Assert.Contains("HMACSHA512", ReceiverCode.CSharp(odd));
        Assert.Contains("hashlib.sha512", ReceiverCode.Python(odd));
        Assert.Contains("req.get('X-It\\'s')", ReceiverCode.Node(odd));
        Assert.Contains("\"v1\\\"='\\\\\" + Convert.ToHexStringLower(mac)", ReceiverCode.CSharp(odd));
        Assert.Contains("HMACSHA1.", ReceiverCode.CSharp(OlderGuide with { Algorithm = "sha1" }));
    }
}
