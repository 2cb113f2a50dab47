.class public final Lcom/example/multidex/Net;
.super Ljava/lang/Object;

.method public static fetch(Ljava/lang/String;)V
    .registers 2
    new-instance v0, Ljava/net/URL;
    invoke-direct {v0, p0}, Ljava/net/URL;-><init>(Ljava/lang/String;)V
    invoke-virtual {v0}, Ljava/net/URL;->openConnection()Ljava/net/URLConnection;
    return-void
.end method

.method public static onFeatureReady()V
    .registers 1
    const-string v0, "https://api.example.com/v1/ready"
    invoke-static {v0}, Lcom/example/multidex/Net;->fetch(Ljava/lang/String;)V
    return-void
.end method
