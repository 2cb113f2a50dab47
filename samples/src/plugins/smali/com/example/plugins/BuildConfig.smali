.class public final Lcom/example/plugins/BuildConfig;
.super Ljava/lang/Object;

.field public static final APPLICATION_ID:Ljava/lang/String; = "com.example.plugins"
.field public static final VERSION_NAME:Ljava/lang/String; = "2.0.1"
