.class public Lcom/qq/e/comm/managers/status/SDKStatus;
.super Ljava/lang/Object;

.method public static getBuildInPluginVersion()I
    .registers 1
    const/16 v0, 0x50c
    return v0
.end method

.method public static getIntegrationSDKVersion()Ljava/lang/String;
    .registers 2
    new-instance v0, Ljava/lang/StringBuilder;
    const-string v1, "4.422."
    invoke-direct {v0, v1}, Ljava/lang/StringBuilder;-><init>(Ljava/lang/String;)V
    invoke-static {}, Lcom/qq/e/comm/managers/status/SDKStatus;->getBuildInPluginVersion()I
    move-result v1
    invoke-virtual {v0, v1}, Ljava/lang/StringBuilder;->append(I)Ljava/lang/StringBuilder;
    invoke-virtual {v0}, Ljava/lang/StringBuilder;->toString()Ljava/lang/String;
    move-result-object v0
    return-object v0
.end method
